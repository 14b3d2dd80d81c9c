/** The lifetimes offered for robots and access tokens, as the API's `expiresIn`. */
export const EXPIRY_CHOICES = [
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '1y', label: '1 year' },
  { value: '', label: 'Never' },
];
