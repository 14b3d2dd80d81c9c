/**
 * Text that reaches the audit log from clients (a login name, a repository, a reference) is
 * made safe to store and to show: control characters, including the C1 set and the bidi
 * overrides that reorder what a terminal shows, become visible escapes (`\x1b`, `\u202e`), and
 * anything longer than MAX_AUDIT_TEXT is cut with a marker. Every valid account, repository and
 * reference name is shorter, so only junk is ever cut.
 */

export const MAX_AUDIT_TEXT = 512;
const TRUNCATED = '…[truncated]';
// C0, DEL, C1, and the Unicode bidi embedding, override and isolate controls.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function auditText(text: string): string {
  // Cut before escaping so a huge input is not copied whole; escaping at most quadruples it.
  const head = text.length > MAX_AUDIT_TEXT ? text.slice(0, MAX_AUDIT_TEXT) : text;
  let safe = head.replace(UNSAFE, escape);
  if (safe.length > MAX_AUDIT_TEXT || head !== text) safe = `${safe.slice(0, MAX_AUDIT_TEXT - TRUNCATED.length)}${TRUNCATED}`;
  return safe;
}

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}
