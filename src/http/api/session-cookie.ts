/**
 * The web UI's session cookie: `berth_session`, HttpOnly (page scripts never see it),
 * SameSite=Strict (no other site's page can make the browser send it), Path=/, Secure when the
 * request came over TLS (directly or, with http.trustedproxies, through a proxy that says so).
 * No Max-Age: closing the browser ends it on the client side; the server bounds it anyway.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'berth_session';

/** The cookie's value as sent, or undefined. Only the first of duplicates counts. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === SESSION_COOKIE) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; ${attributes(request)}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Max-Age=0; ${attributes(request)}`);
}

function attributes(request: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}`;
}
