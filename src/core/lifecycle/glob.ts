/**
 * The one glob matcher for patterns people configure (immutable tags, retention's keep-matching
 * and repository scopes): `*` any run of characters (including none), `?` exactly one, every
 * other character literal, the whole name anchored.
 *
 * Patterns come from project admins and are matched on the request path (every tag push), so
 * the matcher must never backtrack: turning a glob into a RegExp let `a*a*a*…b` against a long
 * run of `a` take seconds to minutes. Here the pattern is split at `*` into literal segments
 * (which may contain `?`); the first must match at the start, the last at the end, and each
 * one between at its leftmost position after the previous. Leftmost is always safe because a
 * `*` can absorb whatever a later choice would have skipped, so no position is revisited:
 * the cost is at most (name length × pattern length), with no exponential case.
 */

/** Whether `name` matches `pattern` (see the file comment for the syntax). */
export function globMatches(pattern: string, name: string): boolean {
  const segments = pattern.split('*');
  const first = segments[0]!;
  if (segments.length === 1) return name.length === first.length && segmentAt(first, name, 0);
  const last = segments[segments.length - 1]!;
  if (name.length < first.length + last.length) return false;
  if (!segmentAt(first, name, 0) || !segmentAt(last, name, name.length - last.length)) return false;
  // Middle segments must fit between the fixed prefix and the fixed suffix.
  let from = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    if (segment === '') continue;
    const at = leftmost(segment, name, from, end);
    if (at < 0) return false;
    from = at + segment.length;
  }
  return true;
}

/** Whether `segment` (literal characters and `?`) matches `name` at `offset`. */
function segmentAt(segment: string, name: string, offset: number): boolean {
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch !== '?' && ch !== name[offset + i]) return false;
  }
  return true;
}

/** The first offset in [from, end - segment.length] where `segment` matches, or -1. */
function leftmost(segment: string, name: string, from: number, end: number): number {
  for (let at = from; at + segment.length <= end; at++) {
    if (segmentAt(segment, name, at)) return at;
  }
  return -1;
}
