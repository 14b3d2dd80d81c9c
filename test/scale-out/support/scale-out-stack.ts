/**
 * The scale-out stack on loopback: three `berth serve` processes sharing one PostgreSQL
 * database and one Ceph RGW bucket, behind Debian's nginx (support/nginx.ts). Each instance
 * has its own empty data root, so nothing can be shared through a local file by accident, and
 * trusts nginx's X-Forwarded-For (http.trustedproxies). The `berth` CLI runs against the same
 * database and bucket, as an operator's would.
 */
import { createScratchDatabase } from '../../../src/adapters/metadata/testing/postgres-scratch.js';
import { useRgw, type Rgw } from '../../support/ceph-rgw.js';
import { berthCli, freePort, startBerth, type RegistryProcess } from '../../support/registry-process.js';
import { run, type RunResult } from '../../e2e/support/run.js';
import { startNginx, type Nginx } from '../../support/nginx.js';

export const ADMIN = 'admin';
export const ADMIN_PASSWORD = 'scale-out-admin-password';
/** Low, so a test reaches the backoff with a few failures. */
export const FREE_FAILURES = 3;

export interface ScaleOutStack {
  nginx: Nginx;
  instances: RegistryProcess[];
  rgw: Rgw;
  bucket: string;
  env: Record<string, string>;
  /** `berth …` on the shared database and bucket. */
  cli(args: readonly string[], input?: string): Promise<RunResult>;
  /** Starts instance `i` again on its old port (after a kill), so nginx finds it there. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startScaleOut(options: { instances?: number; label?: string } = {}): Promise<ScaleOutStack> {
  const database = await createScratchDatabase(options.label ?? 'scaleout');
  const rgw = await useRgw();
  const bucket = await rgw.bucket(options.label ?? 'scaleout');
  const env: Record<string, string> = {
    BERTH_DATABASE_URL: database.url,
    REGISTRY_STORAGE: 's3',
    REGISTRY_STORAGE_S3_REGION: rgw.settings.region ?? 'us-east-1',
    REGISTRY_STORAGE_S3_REGIONENDPOINT: rgw.settings.endpoint,
    REGISTRY_STORAGE_S3_BUCKET: bucket,
    REGISTRY_STORAGE_S3_ACCESSKEY: rgw.settings.accessKey,
    REGISTRY_STORAGE_S3_SECRETKEY: rgw.settings.secretKey,
    REGISTRY_STORAGE_S3_FORCEPATHSTYLE: 'true',
    REGISTRY_STORAGE_S3_ROOTDIRECTORY: '/scale',
    REGISTRY_STORAGE_S3_CHUNKSIZE: String(5 * 1024 * 1024),
    // Clients fetch blobs through the proxy, as the tests read them.
    REGISTRY_STORAGE_REDIRECT_DISABLE: 'true',
    REGISTRY_STORAGE_DELETE_ENABLED: 'true',
    REGISTRY_HTTP_TRUSTEDPROXIES: '127.0.0.1',
    REGISTRY_AUTH_BUILTIN_LOGINTHROTTLE_FREEFAILURES: String(FREE_FAILURES),
    BERTH_LIFECYCLE_GC_INTERVAL: '0',
    BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
  const count = options.instances ?? 3;
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  // All at once: migrations, the admin's bootstrap and the signing key race as in a real roll-out.
  const started = await Promise.allSettled(ports.map((port) => startBerth({ auth: 'builtin', port, env })));
  const instances = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  let nginx: Nginx;
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    nginx = await startNginx(ports);
  } catch (error) {
    await Promise.all(instances.map((i) => i.stop()));
    await rgw.cleanup().catch(() => undefined);
    await database.drop().catch(() => undefined);
    throw error;
  }
  const cliEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete cliEnv.REGISTRY_AUTH;
  return {
    nginx,
    instances,
    rgw,
    bucket,
    env,
    cli: (args, input) => run(process.execPath, [berthCli, ...args], { env: cliEnv, input, timeoutMs: 60_000 }),
    async restart(i) {
      const old = instances[i]!;
      instances[i] = await startBerth({ auth: 'builtin', port: old.port, env });
    },
    async stop() {
      try {
        await nginx.stop();
        await Promise.all(instances.map((i) => i.stop()));
      } finally {
        try {
          await rgw.cleanup();
        } finally {
          await database.drop();
        }
      }
    },
  };
}
