/**
 * Distribution's http.addr is Go's "host:port": ":5000", "127.0.0.1:5000", "[::1]:5000".
 * Validated at load time so a bad address is reported with every other problem, not at listen.
 * Go also accepts service names (":http"); Node does not, so Berth requires a number.
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  /** Undefined means every interface. */
  host: string | undefined;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

export function parseListenAddress(addr: string): ListenAddress | { invalid: string } {
  const quoted = JSON.stringify(addr);
  const lastColon = addr.lastIndexOf(':');
  if (lastColon === -1) return { invalid: `${quoted} is not host:port or :port` };
  const hostPart = addr.slice(0, lastColon);
  const portPart = addr.slice(lastColon + 1);

  let host: string | undefined;
  if (hostPart.startsWith('[') && hostPart.endsWith(']')) {
    host = hostPart.slice(1, -1);
    if (isIP(host) !== 6) return { invalid: `${quoted} has an invalid IPv6 host "${host}"` };
  } else if (hostPart.includes(':')) {
    return { invalid: `${quoted}: put an IPv6 host in brackets, such as "[::1]:5000"` };
  } else if (hostPart !== '') {
    if (isIP(hostPart) === 0 && !HOSTNAME.test(hostPart)) return { invalid: `${quoted} has an invalid host "${hostPart}"` };
    host = hostPart;
  }

  if (portPart === '') return { invalid: `${quoted} has no port` };
  if (!/^\d{1,5}$/.test(portPart) || Number(portPart) > 65535) return { invalid: `${quoted} is not a valid port` };
  return { host, port: Number(portPart) };
}
