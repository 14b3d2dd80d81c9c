/**
 * Where the bootstrap admin's generated password waits for the operator (Nexus's habit): a
 * place only the registry's own account can read, which survives a start that fails later, and
 * which is emptied once the password is changed, so it never holds a password that works for
 * longer than needed.
 */
export interface InitialPasswordNote {
  /** Where it is, in words an operator can act on (a file path). */
  readonly location: string;
  /** Keeps the password, replacing any earlier one; throws when it cannot (the admin is then not created). */
  keep(password: string): Promise<void>;
  /** The kept password, or undefined when there is none (or it cannot be read). Never throws. */
  read(): Promise<string | undefined>;
  /** Removes it; a no-op when it is gone. Never throws: a note it could not remove no longer verifies and is removed at the next start. */
  discard(): Promise<void>;
}
