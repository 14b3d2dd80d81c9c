/**
 * A real S3 for tests: Ceph's RADOS Gateway on loopback, started by ../shared/s3/start-ceph-rgw.sh
 * (relative to the repository; it installs Debian's packages itself on first use). A test file
 * calls `useRgw()` once: a gateway already answering (S3_ENDPOINT, or the script's default port)
 * is reused as it is; otherwise one is started and stopped again when the file is done. Each
 * `bucket()` is new and unique, and is emptied and deleted by `cleanup()`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client, type S3ConnectionOptions } from '../../src/adapters/blob/s3-client.js';

const run = promisify(execFile);

/** The repository root, from dist/test/support/ or test/support/. */
const repoRoot = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${join('dist', 'test')}`) ? '../../..' : '../..';
  return resolve(here, up);
})();
const startScript = resolve(repoRoot, '..', 'shared', 's3', 'start-ceph-rgw.sh');

export interface RgwSettings extends S3ConnectionOptions {
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

export interface Rgw {
  settings: RgwSettings;
  /** A new, empty, uniquely named bucket. */
  bucket(label?: string): Promise<string>;
  /** Empties and deletes every bucket made here; stops the gateway if this file started it. */
  cleanup(): Promise<void>;
}

function settingsFrom(env: NodeJS.ProcessEnv): RgwSettings {
  return {
    endpoint: env.S3_ENDPOINT ?? 'http://127.0.0.1:7480',
    accessKey: env.S3_ACCESS_KEY ?? 'testaccesskey',
    secretKey: env.S3_SECRET_KEY ?? 'testsecretkey',
    region: env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
  };
}

function parseSettingsLine(line: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const pair of line.trim().split(/\s+/)) {
    const at = pair.indexOf('=');
    if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

async function answering(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function useRgw(): Promise<Rgw> {
  let settings = settingsFrom(process.env);
  let started = false;
  if (!(await answering(settings.endpoint))) {
    const { stdout } = await run('bash', [startScript], {
      cwd: repoRoot,
      env: { ...process.env, CEPH_BASE: join(repoRoot, '.ceph-rgw') },
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    settings = settingsFrom({ ...process.env, ...parseSettingsLine(last) });
    started = true;
  }
  const client = createS3Client(settings);
  const buckets: string[] = [];
  return {
    settings,
    async bucket(label = 'test') {
      const name = `berth-${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 63);
      await client.send(new CreateBucketCommand({ Bucket: name }));
      buckets.push(name);
      return name;
    },
    async cleanup() {
      try {
        for (const name of buckets) await emptyAndDelete(client, name);
      } finally {
        client.destroy();
        if (started) await run('bash', [startScript, 'stop'], { cwd: repoRoot, env: { ...process.env, CEPH_BASE: join(repoRoot, '.ceph-rgw') } });
      }
    },
  };
}

async function emptyAndDelete(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((item) => (item.Key === undefined ? [] : [{ Key: item.Key }]));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const upload of uploads.Uploads ?? []) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
