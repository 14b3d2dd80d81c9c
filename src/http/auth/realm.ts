/**
 * The token endpoint's absolute URL, as clients must be told it in challenges, and the quoting
 * of every value a challenge carries.
 *
 * The realm comes from configuration when there is any (`auth.builtin.realm`, else
 * `http.host` + `/token`, resolved by the caller). Otherwise it is built from the Host the
 * client sent, but only when that is a plain `host[:port]`: anything else (quotes, commas,
 * spaces, paths, userinfo) would let a client write into the challenge it gets back, or point
 * a victim's client at another token server, so it is replaced by the address the connection
 * actually reached.
 */
import type { FastifyRequest } from 'fastify';

// A DNS name or IPv4 address, or a bracketed IPv6 literal; then an optional decimal port.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;
const MAX_HOST_LENGTH = 261;

export function tokenRealm(request: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured;
  return `${request.protocol}://${requestAuthority(request)}/token`;
}

/** The Host the client used when it is a valid `host[:port]`, else the socket's own address. */
export function requestAuthority(request: FastifyRequest): string {
  const host = request.host;
  if (typeof host === 'string' && host.length <= MAX_HOST_LENGTH && HOST.test(host)) return host;
  const socket = request.raw.socket;
  const address = socket.localAddress ?? '127.0.0.1';
  const literal = address.includes(':') ? `[${address}]` : address;
  return socket.localPort === undefined ? literal : `${literal}:${socket.localPort}`;
}

/**
 * A challenge parameter as an RFC 9110 quoted-string: `"` and `\` escaped, and anything that
 * is not printable ASCII dropped (Node refuses such header bytes, which would turn a 401
 * into a 500).
 */
export function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&')}"`;
}
