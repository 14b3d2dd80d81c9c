/**
 * The challenge of a 401 (RFC 7235 as registries speak it): `Bearer realm="…",service="…",
 * scope="…"` or `Basic realm="…"`. Several challenges in one header are possible; the first
 * Bearer wins, then the first Basic, as Docker does.
 */

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const out: Challenge[] = [];
  // A scheme token, then comma-separated key=value pairs whose values may be quoted (commas and
  // escaped quotes allowed inside the quotes); the next bare token starts a new challenge.
  const re = /\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?\s*,?/gy;
  let current: Challenge | undefined;
  let match: RegExpExecArray | null;
  while (re.lastIndex < text.length && (match = re.exec(text)) !== null) {
    if (match[0] === '') break;
    const [, token, rawValue] = match;
    if (rawValue === undefined) {
      // A bare token: a new scheme (a following token68 credential is not used by registries).
      const scheme = token!.toLowerCase();
      current = scheme === 'bearer' || scheme === 'basic' ? { scheme, params: {} } : undefined;
      if (current) out.push(current);
      continue;
    }
    if (!current) continue;
    const value = rawValue.startsWith('"') ? rawValue.slice(1, -1).replace(/\\(.)/g, '$1') : rawValue;
    current.params[token!.toLowerCase()] = value;
  }
  return out;
}

/** The challenge to answer: Bearer before Basic. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
