/**
 * Remembers which environment variable set which part of the tree, so a problem with an
 * overridden value names the variable the operator has to fix, not a file line they never wrote.
 */
export class ValueOrigins {
  readonly #byPath = new Map<string, string>();

  record(path: readonly string[], variable: string): void {
    const key = path.join('.');
    // A later, broader override replaces everything beneath it.
    for (const existing of [...this.#byPath.keys()]) {
      if (existing.startsWith(`${key}.`)) this.#byPath.delete(existing);
    }
    this.#byPath.set(key, variable);
  }

  /** The variable behind a path (the nearest overridden ancestor wins), if any. */
  variableFor(path: readonly string[]): string | undefined {
    for (let length = path.length; length > 0; length--) {
      const variable = this.#byPath.get(path.slice(0, length).join('.'));
      if (variable !== undefined) return variable;
    }
    return undefined;
  }

  /**
   * "http.addr", or "REGISTRY_HTTP_ADDR (http.addr)" when the environment set it. A key whose
   * contents came from deeper variables (REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL) names those.
   */
  label(path: readonly string[]): string {
    const dotted = path.length === 0 ? '(top level)' : path.join('.');
    const variables = this.variableFor(path) ?? this.#variablesBelow(dotted).join(', ');
    return variables === '' ? dotted : `${variables} (${dotted})`;
  }

  #variablesBelow(dotted: string): string[] {
    return [...this.#byPath].filter(([key]) => key.startsWith(`${dotted}.`)).map(([, variable]) => variable);
  }
}
