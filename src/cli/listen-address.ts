/** Turns Distribution's `http.addr` (":5000", "127.0.0.1:5000", "[::1]:5000") into listen options. */
export function listenAddress(addr: string): { host: string; port: number } {
  const match = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:]*)):(?<port>\d+)$/.exec(addr);
  if (!match?.groups) throw new Error(`http.addr "${addr}" must look like ":5000" or "host:5000"`);
  const host = match.groups.v6 ?? match.groups.host ?? '';
  return { host: host === '' ? '::' : host, port: Number(match.groups.port) };
}
