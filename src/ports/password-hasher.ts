/** One-way password and secret hashing (a slow KDF). Core never sees how it is done. */
export interface PasswordHasher {
  hash(secret: string): Promise<string>;
  /** False for a wrong secret and for a hash this hasher cannot read. Never throws for those. */
  verify(secret: string, hash: string): Promise<boolean>;
}
