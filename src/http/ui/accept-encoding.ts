/**
 * Picks the content coding of a UI file from Accept-Encoding (RFC 9110 §12.5.3): Brotli over
 * gzip when both are acceptable and present, else the plain body. A coding with q=0 is refused,
 * and `*` stands for any coding not named.
 */
export type Encoding = 'br' | 'gzip' | 'identity';

export function preferredEncoding(header: string | undefined, available: { br: boolean; gzip: boolean }): Encoding {
  if (header === undefined) return 'identity';
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name === '') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: string) => weights.get(coding) ?? weights.get('*') ?? 0;
  if (available.br && weightOf('br') > 0 && weightOf('br') >= weightOf('gzip')) return 'br';
  if (available.gzip && weightOf('gzip') > 0) return 'gzip';
  if (available.br && weightOf('br') > 0) return 'br';
  return 'identity';
}
