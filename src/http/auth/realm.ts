/** The token endpoint's absolute URL, as clients must be told it in challenges. */
import type { FastifyRequest } from 'fastify';

export function tokenRealm(request: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured;
  // Behind no proxy, the address the client used to reach us is the right base.
  return `${request.protocol}://${request.host}/token`;
}
