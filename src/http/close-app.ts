/**
 * Graceful close. app.close() closes idle keep-alive sockets once, when it starts; a streamed
 * response the client has already read whole may emit 'finish' a moment later, and its socket
 * would then hold close() open for the whole keep-alive timeout. Sweeping idle sockets until
 * close resolves lets shutdown end as soon as the last real request does.
 */
import type { FastifyInstance } from 'fastify';

export async function closeApp(app: FastifyInstance): Promise<void> {
  const server = app.server as { closeIdleConnections?: () => void };
  const sweep = setInterval(() => server.closeIdleConnections?.(), 25);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}
