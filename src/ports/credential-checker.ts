/** Checks a username and password against an external list (an htpasswd file). */
export interface CredentialChecker {
  /** True only for a known user with the right password; never throws for a wrong one. */
  check(username: string, password: string): Promise<boolean>;
}
