/**
 * Connector ports (Nexus's name): an extra listen address bound to one project, so
 * `docker pull HOST:5001/ubuntu` means `<project>/ubuntu`. A connector is not a second app: its
 * server hands every request to the one Fastify app, marked with the project, and the /v2 table
 * and /token translate names at their edges (connector-names.ts). Everything else (hooks, the
 * error handler, limits, the request log) is the main port's. Only /v2, /token and the health
 * endpoints answer on a connector: the management API and the UI stay on the main port, where
 * the browser's cookies belong.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { edgeErrors } from '../errors/error-table.js';
import { sendError } from '../errors/error-handler.js';
import { limitServer, type ConnectionLimits } from '../connection-limits.js';

const CONNECTOR = Symbol('berth.connector');

type Marked = IncomingMessage & { [CONNECTOR]?: string };

/** The project a request's connector serves; undefined on the main port. */
export function connectorOf(request: FastifyRequest): string | undefined {
  return (request.raw as Marked)[CONNECTOR];
}

export interface ConnectorServerOptions {
  /** PEM strings: the connector speaks HTTPS (HTTP/1.1) with the main port's certificate. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  limits?: ConnectionLimits;
}

const ALLOWED = /^\/(?:v2(?:\/|$|\?)|token(?:$|\?)|healthz(?:$|\?)|readyz(?:$|\?))/;

/** A server (not yet listening) whose requests the app answers as `project`'s connector. */
export function createConnectorServer(app: FastifyInstance, project: string, options: ConnectorServerOptions = {}): Server {
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    (request as Marked)[CONNECTOR] = project;
    app.routing(request, response);
  };
  const server = options.tls ? (createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handle) as unknown as Server) : createHttpServer(handle);
  if (options.limits) limitServer(server, options.limits, Boolean(options.tls), app.log);
  return server;
}

/** Whether a connector answers this path at all (the rest is a 404 there). */
export function servedOnConnector(url: string): boolean {
  return ALLOWED.test(url);
}

/** Answers anything but /v2, /token and the health endpoints on a connector with a 404. */
export function installConnectorGate(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const project = connectorOf(request);
    if (project === undefined || servedOnConnector(request.url)) return;
    return sendError(reply, edgeErrors.notFound, `no such endpoint on the connector of project ${project}: ${request.method} ${request.url.split('?')[0]}; it serves /v2/ only`);
  });
}

/** Listens on `host` (every address when undefined) and resolves with the bound address. */
export function listenConnector(server: Server, host: string | undefined, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host ?? '::', port }, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, lets requests in flight finish, and closes idle keep-alive sockets as they appear. */
export async function closeConnector(server: Server): Promise<void> {
  if (!server.listening) return;
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  try {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } finally {
    clearInterval(sweep);
  }
}
