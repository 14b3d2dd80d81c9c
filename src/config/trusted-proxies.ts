/**
 * `http.trustedproxies`: the peers whose X-Forwarded-For Berth believes. Each entry is an IP
 * address or a CIDR block; a YAML list, or one comma-separated string (how an environment
 * variable carries it). Empty (the default) believes no one: the client address is the socket
 * peer, so a client cannot pick the address that login throttling and the audit log see.
 */
import { isIP } from 'node:net';

export function parseTrustedProxies(value: unknown): { proxies: string[]; problems: string[] } {
  if (value === undefined || value === null || value === '') return { proxies: [], problems: [] };
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (items === undefined) return { proxies: [], problems: ['expected a list of IP addresses or CIDR blocks'] };
  const proxies: string[] = [];
  const problems: string[] = [];
  for (const item of items) {
    const text = typeof item === 'string' ? item.trim() : '';
    if (text === '' && typeof item === 'string') continue;
    if (validEntry(text)) proxies.push(text);
    else problems.push(`${JSON.stringify(item)} is not an IP address or CIDR block such as "10.0.0.0/8" or "fd00::/8"`);
  }
  return { proxies, problems };
}

function validEntry(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const bits = text.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
