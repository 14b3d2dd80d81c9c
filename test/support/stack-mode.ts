/**
 * The second pass of the HTTP and e2e suites (issue 13): with BERTH_TEST_STACK=scale-out the same
 * tests run against three Berth instances on one scratch PostgreSQL database and one Ceph RGW
 * bucket behind Debian's nginx, instead of one embedded server. scripts/run-tests.mjs sets it.
 *
 * This file owns what the two harnesses (test-server.ts, e2e's registry-under-test.ts) share:
 * whether the mode is on, the backing services, and the one-line opt-out for a test that by
 * nature looks at one embedded server's files or internals.
 */
import { createScratchDatabase } from '../../src/adapters/metadata/testing/postgres-scratch.js';
import type { S3StorageConfig } from '../../src/config/config.js';
import { DEFAULT_SETTINGS_REFRESH_MS } from '../../src/core/access/runtime-settings.js';
import { useRgw } from './ceph-rgw.js';

export const STACK_VARIABLE = 'BERTH_TEST_STACK';
/** Instances behind nginx in stack mode: enough that consecutive requests land on different ones. */
export const STACK_INSTANCES = 3;
/** nginx's address towards the instances, which they trust as their proxy (see nginx.ts). */
export const STACK_PROXY_ADDRESS = '127.0.0.2';

export function stackMode(): boolean {
  const value = process.env[STACK_VARIABLE];
  if (value === undefined || value === '') return false;
  if (value !== 'scale-out') throw new Error(`${STACK_VARIABLE} must be "scale-out" or unset, not ${JSON.stringify(value)}`);
  return true;
}

/**
 * `test(name, { skip: embeddedOnly('why') }, …)`: skipped in stack mode, with the reason shown.
 * Only for what cannot be made target-neutral (a file in the data root, one process's memory).
 */
export function embeddedOnly(reason: string): string | false {
  return stackMode() ? `embedded server only: ${reason}` : false;
}

/** One scratch database and one bucket that every instance of a stack shares. */
export interface StackBacking {
  databaseUrl: string;
  s3: S3StorageConfig;
  /** The same, as `berth serve`/`berth …` environment (registry:2's variables where they exist). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function openStackBacking(label: string): Promise<StackBacking> {
  const database = await createScratchDatabase(label);
  let rgw;
  try {
    rgw = await useRgw();
  } catch (error) {
    await database.drop();
    throw error;
  }
  const close = async () => {
    try {
      await rgw.cleanup();
    } finally {
      await database.drop();
    }
  };
  try {
    const bucket = await rgw.bucket(label);
    const s3: S3StorageConfig = {
      region: rgw.settings.region ?? 'us-east-1',
      regionendpoint: rgw.settings.endpoint,
      bucket,
      accesskey: rgw.settings.accessKey,
      secretkey: rgw.settings.secretKey,
      rootdirectory: 'stack',
      chunksize: 5 * 1024 * 1024,
      forcepathstyle: true,
    };
    const env: Record<string, string> = {
      BERTH_DATABASE_URL: database.url,
      REGISTRY_STORAGE: 's3',
      REGISTRY_STORAGE_S3_REGION: s3.region,
      REGISTRY_STORAGE_S3_REGIONENDPOINT: rgw.settings.endpoint,
      REGISTRY_STORAGE_S3_BUCKET: bucket,
      REGISTRY_STORAGE_S3_ACCESSKEY: rgw.settings.accessKey,
      REGISTRY_STORAGE_S3_SECRETKEY: rgw.settings.secretKey,
      REGISTRY_STORAGE_S3_FORCEPATHSTYLE: 'true',
      REGISTRY_STORAGE_S3_ROOTDIRECTORY: s3.rootdirectory,
      REGISTRY_STORAGE_S3_CHUNKSIZE: String(s3.chunksize),
    };
    return { databaseUrl: database.url, s3, env, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * What the `berth` CLI needs to reach the stack whose first instance has this data root (the
 * e2e tests run the CLI on `target.process.root`, as an operator would on one server).
 */
const cliEnvByRoot = new Map<string, Record<string, string>>();

export function rememberStackCliEnv(root: string, env: Record<string, string>): void {
  cliEnvByRoot.set(root, env);
}

export function forgetStackCliEnv(root: string): void {
  cliEnvByRoot.delete(root);
}

export function stackCliEnv(root: string): Record<string, string> {
  return cliEnvByRoot.get(root) ?? {};
}

/**
 * A system setting changed through one instance applies on the others within the refresh bound
 * of core/access/runtime-settings.ts (their first request after it starts a re-read). In stack
 * mode this waits until `probe` has answered `settled` on every instance in a row (nginx takes
 * them in turn) or the bound has passed twice over, and the test's own assertions then judge;
 * one embedded server applies its own change at once, so there it returns without probing.
 */
export async function untilSettingReachesEveryInstance<T>(probe: () => Promise<T>, settled: (value: T) => boolean): Promise<void> {
  if (!stackMode()) return;
  const deadline = Date.now() + 2 * DEFAULT_SETTINGS_REFRESH_MS + 1000;
  let inARow = 0;
  while (inARow < STACK_INSTANCES && Date.now() < deadline) {
    inARow = settled(await probe()) ? inARow + 1 : 0;
    if (inARow === 0) await new Promise((r) => setTimeout(r, 100));
  }
}
