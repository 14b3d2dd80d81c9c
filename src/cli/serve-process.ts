/**
 * One serving process: `berth serve` alone, or one of its workers. Composes the data, builds the
 * app, listens, starts the scheduled jobs, prints the banner and drains on a signal. serve.ts
 * imports this file only in a process that serves, so a `--workers` supervisor never loads the
 * HTTP server, the database or the storage adapters.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { compose, scheduleAuditPrune, scheduleUploadPurge, type Composed } from '../compose/compose.js';
import { scheduleGc, watchInterruptedGc } from '../compose/schedule-gc.js';
import type { BerthConfig } from '../config/config.js';
import { closeApp } from '../http/close-app.js';
import { closeConnector, createConnectorServer, listenConnector } from '../http/connector/connector-server.js';
import { appFromComposed } from './app-from-composed.js';
import { parseListenAddress } from '../config/listen-address.js';
import { warnIfDescriptorsShort } from './descriptor-limit.js';
import { loginHostOf, startBanner } from './start-banner.js';
import { dataFailure, listenFailure } from './startup-failure.js';
import { Metrics } from '../http/ops/metrics.js';
import { linkWorkerMetrics, send } from './worker-channel.js';
import { PROCESSES_ENV, ROLE_ENV } from './worker-messages.js';

/** `workers`: how many processes serve this data (1 when this one is alone). */
export async function serveProcess(config: BerthConfig, logger: Logger, workers: number): Promise<void> {
  const worker = cluster.isWorker ? cluster.worker : undefined;
  const role = worker === undefined ? 'alone' : process.env[ROLE_ENV] === 'next' ? 'next' : 'first';
  const processes = worker === undefined ? 1 : Number(process.env[PROCESSES_ENV] ?? workers);
  const tls = config.http.tls
    ? { cert: await readFile(config.http.tls.certificate), key: await readFile(config.http.tls.key) }
    : undefined;
  let composed: Composed;
  try {
    composed = await compose(config, logger, { processes, sweep: role !== 'next' });
  } catch (error) {
    throw dataFailure(error) ?? error;
  }
  const connections = config.http.connections;
  const limits = {
    headerTimeoutMs: connections.headerTimeoutSeconds * 1000,
    bodyIdleTimeoutMs: connections.bodyIdleTimeoutSeconds * 1000,
    keepAliveTimeoutMs: connections.keepAliveTimeoutSeconds * 1000,
    maxConnections: connections.maxConnections,
  };
  warnIfDescriptorsShort(connections.maxConnections, logger);
  const metrics = new Metrics();
  const app = appFromComposed(composed, { logger, tls, baseUrl: config.http.host, limits, trustedProxies: config.http.trustedProxies, metrics });
  const unlinkMetrics = worker === undefined ? () => undefined : linkWorkerMetrics(metrics);
  const stopUploadPurge = scheduleUploadPurge(composed.registry, config, logger);
  const stopAuditPrune = scheduleAuditPrune(composed, config, logger);
  const stopGc = scheduleGc(composed.lifecycle, config, logger, composed.retention, composed.claimJob);
  const stopGcWatch = watchInterruptedGc(composed.lifecycle, logger);
  composed.notifications.start();
  const stopPurge = () => {
    unlinkMetrics();
    stopUploadPurge();
    stopAuditPrune();
    stopGc();
    stopGcWatch();
  };
  const parsed = parseListenAddress(config.http.addr);
  // loadConfig has already refused an invalid address; this guard only narrows the type.
  if ('invalid' in parsed) throw new Error(`http.addr ${parsed.invalid}`);
  try {
    await listen(app, parsed.host, parsed.port);
  } catch (error) {
    stopPurge();
    await app.close().catch(() => undefined);
    await composed.close().catch(() => undefined);
    throw error;
  }
  const connectors: Server[] = [];
  const connectorLines: string[] = [];
  try {
    for (const connector of config.http.connectors) {
      const address = parseListenAddress(connector.addr);
      if ('invalid' in address) throw new Error(`http.connectors ${address.invalid}`);
      const server = createConnectorServer(app, connector.project, { tls, limits });
      const at = await listenConnector(server, address.host, address.port).catch((error: unknown) => {
        throw listenFailure(error, address.host ?? '::', address.port) ?? error;
      });
      connectors.push(server);
      logger.info({ project: connector.project, addr: connector.addr, port: at.port }, `connector port ${at.port} serves project ${connector.project}`);
      connectorLines.push(`Connector port ${at.port} serves project ${connector.project}: names there are relative to it (NAME is ${connector.project}/NAME).\n`);
    }
  } catch (error) {
    stopPurge();
    await Promise.all(connectors.map((server) => closeConnector(server)));
    await app.close().catch(() => undefined);
    await composed.close().catch(() => undefined);
    throw error;
  }
  const bound = app.server.address() as AddressInfo;
  // One banner per server: the first worker's (it created the admin, if anyone did).
  if (role !== 'next') process.stderr.write(
    startBanner({
      auth: config.auth,
      listening: `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
      loginHost: loginHostOf(config.http.host, bound.address, bound.port),
      tls: Boolean(tls),
      root: config.storage.filesystem.rootdirectory,
      admin: composed.bootstrap,
      ui: config.ui.enabled,
      workers: processes,
    }),
  );
  if (role !== 'next') for (const line of connectorLines) process.stderr.write(line);
  logger.info(
    { addr: config.http.addr, tls: Boolean(tls), root: config.storage.filesystem.rootdirectory, pid: process.pid },
    'berth is serving',
  );
  send({ berth: 'ready' });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down; finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('drain timeout reached; exiting with requests still in flight');
      process.exit(1);
    }, config.http.drainTimeoutSeconds * 1000);
    force.unref();
    stopPurge();
    await Promise.all([closeApp(app), ...connectors.map((server) => closeConnector(server))]);
    await composed.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Listens on the configured address, or on "::" (every address, IPv4 included) when only a
 * port is given. Only a machine without IPv6 falls back to the IPv4 wildcard; a port taken on
 * "::" is reported as such, not as a second failure on 0.0.0.0 that hides where the clash is.
 */
async function listen(app: ReturnType<typeof appFromComposed>, configured: string | undefined, port: number): Promise<void> {
  const host = configured ?? '::';
  try {
    await app.listen({ host, port });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (configured !== undefined || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw listenFailure(error, host, port) ?? error;
  }
  try {
    await app.listen({ host: '0.0.0.0', port });
  } catch (error) {
    throw listenFailure(error, '0.0.0.0', port) ?? error;
  }
}
