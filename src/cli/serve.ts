/** `berth serve`: listen, serve until a signal, then finish in-flight requests and exit. */
import { readFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { compose, scheduleAuditPrune, scheduleUploadPurge } from '../compose/compose.js';
import { scheduleGc, watchInterruptedGc } from '../compose/schedule-gc.js';
import type { BerthConfig } from '../config/config.js';
import { closeApp } from '../http/close-app.js';
import { appFromComposed } from './app-from-composed.js';
import { parseListenAddress } from '../config/listen-address.js';
import { warnIfDescriptorsShort } from './descriptor-limit.js';

export async function serve(config: BerthConfig, warnings: readonly string[]): Promise<void> {
  const logger: Logger = pino({ level: config.log.level, base: { service: 'berth' } });
  for (const warning of warnings) logger.warn({ config: true }, warning);
  const composed = await compose(config, logger);
  const tls = config.http.tls
    ? { cert: await readFile(config.http.tls.certificate), key: await readFile(config.http.tls.key) }
    : undefined;
  if (composed.bootstrap?.generatedPassword) {
    // Shown once, on the terminal only: the request log and audit log never carry secrets.
    process.stderr.write(
      `\nBerth created the system admin "${composed.bootstrap.name}" with password:\n\n    ${composed.bootstrap.generatedPassword}\n\n` +
        'It is not shown again. Change it with `berth user passwd admin`, or set BERTH_ADMIN_PASSWORD before the first start.\n\n',
    );
  }
  const connections = config.http.connections;
  const limits = {
    headerTimeoutMs: connections.headerTimeoutSeconds * 1000,
    bodyIdleTimeoutMs: connections.bodyIdleTimeoutSeconds * 1000,
    keepAliveTimeoutMs: connections.keepAliveTimeoutSeconds * 1000,
    maxConnections: connections.maxConnections,
  };
  warnIfDescriptorsShort(connections.maxConnections, logger);
  const app = appFromComposed(composed, { logger, tls, baseUrl: config.http.host, limits, trustedProxies: config.http.trustedProxies });
  const stopUploadPurge = scheduleUploadPurge(composed.registry, config, logger);
  const stopAuditPrune = scheduleAuditPrune(composed, config, logger);
  const stopGc = scheduleGc(composed.lifecycle, config, logger, composed.retention);
  const stopGcWatch = watchInterruptedGc(composed.lifecycle, logger);
  const stopPurge = () => {
    stopUploadPurge();
    stopAuditPrune();
    stopGc();
    stopGcWatch();
  };
  const parsed = parseListenAddress(config.http.addr);
  // loadConfig has already refused an invalid address; this guard only narrows the type.
  if ('invalid' in parsed) throw new Error(`http.addr ${parsed.invalid}`);
  const port = parsed.port;
  const host = parsed.host ?? '::';
  try {
    await app.listen({ host, port });
  } catch (error) {
    // A machine without IPv6 cannot bind "::"; the IPv4 wildcard serves the same purpose.
    if (host !== '::') throw error;
    await app.listen({ host: '0.0.0.0', port });
  }
  logger.info(
    { addr: config.http.addr, tls: Boolean(tls), root: config.storage.filesystem.rootdirectory },
    'berth is serving',
  );

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
    await closeApp(app);
    await composed.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
