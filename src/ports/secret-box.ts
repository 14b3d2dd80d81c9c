/**
 * SecretBox: seals secrets the registry must use later in clear (an upstream registry's
 * password), so the database alone never reveals them. Sealed text is opaque and
 * self-describing (it names its scheme), so a later key rotation can tell old from new.
 */
export interface SecretBox {
  seal(plain: string): Promise<string>;
  /** The clear text; throws when the sealed text was not made with this box's key or was altered. */
  open(sealed: string): Promise<string>;
}
