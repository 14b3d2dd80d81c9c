/** Checks a username and password against an external list (an htpasswd file). */
export interface CredentialChecker {
  /**
   * True only for a known user with the right password; never throws for a wrong one. Throws
   * CredentialListUnreadableError when the list itself cannot be read: then no answer is right.
   */
  check(username: string, password: string): Promise<boolean>;
}

/** The credential list (the htpasswd file) cannot be read; `message` is for the operator's log. */
export class CredentialListUnreadableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialListUnreadableError';
  }
}
