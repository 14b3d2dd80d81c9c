// Runs every compiled test file with Node's test runner. Node 20's `--test` takes no globs,
// so the file list is found here. BERTH_TEST_FILTER narrows it to paths containing a string.
//
// Two passes (issue 13): every file once as written (one embedded server), then the HTTP API
// and real-client e2e files again with BERTH_TEST_STACK=scale-out, against three instances on
// PostgreSQL + Ceph RGW behind nginx (test/support/stack-mode.ts). BERTH_TEST_PASS=embedded or
// =stack runs one of them. The stack pass starts one RGW for all its files when none answers
// (.ci/run starts it beforehand) and stops it again.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

/**
 * Files the stack pass leaves out, each for one reason: they set up their own topology (their
 * own bucket, database or Berth processes) rather than the suite's target, so a second run
 * would repeat the first exactly.
 */
const STACK_PASS_SKIP = new Map([
  ['dist/test/http/s3-scale-out.test.js', 'two servers on its own bucket and data root'],
  ['dist/test/http/postgres-database.test.js', 'its own PostgreSQL database, stopped on purpose'],
  ['dist/test/e2e/skopeo-s3.test.js', 'its own bucket'],
  ['dist/test/http/blob-pooled-send.test.js', "the filesystem store's pooled send; the stack streams blobs from S3 through nginx, which buffers"],
  ['dist/test/http/blob-sendfile.test.js', "the filesystem store's sendfile path; the stack streams blobs from S3 through nginx"],
  ['dist/test/e2e/mirror-clients.test.js', 'starts its own Berth mirror and upstreams'],
  ['dist/test/e2e/proxy-clients.test.js', 'starts its own Berth proxy and upstreams'],
  ['dist/test/e2e/connector-clients.test.js', 'starts its own Berth with connector ports'],
  ['dist/test/e2e/notifications.test.js', 'starts its own Berth and Distribution beside one listener'],
  ['dist/test/e2e/notifications-durability.test.js', 'starts, kills and restarts its own Berth'],
  ['dist/test/e2e/webhooks.test.js', 'starts and restarts its own Berth'],
  ['dist/test/e2e/container-image.test.js', 'builds and runs its own image'],
]);

const filter = process.env.BERTH_TEST_FILTER;
const pass = process.env.BERTH_TEST_PASS ?? 'both';
if (!['both', 'embedded', 'stack'].includes(pass)) {
  console.error(`BERTH_TEST_PASS must be "embedded", "stack" or unset, not ${JSON.stringify(pass)}`);
  process.exit(2);
}
const files = [...walk('dist/src', []), ...walk('dist/test', [])]
  .filter((f) => !filter || f.includes(filter))
  .sort();
const stackFiles = files.filter(
  (f) => (f.startsWith(join('dist', 'test', 'http')) || f.startsWith(join('dist', 'test', 'e2e'))) && !STACK_PASS_SKIP.has(f),
);

function runPass(list, env) {
  if (list.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', '--test-reporter=spec', ...process.argv.slice(2), ...list],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  return result.status ?? 1;
}

async function answering(endpoint) {
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** One RGW for the whole stack pass (each stack server would otherwise start its own). */
async function withRgw(run) {
  if (await answering(process.env.S3_ENDPOINT ?? 'http://127.0.0.1:7480')) return run({});
  const script = join('..', 'shared', 's3', 'start-ceph-rgw.sh');
  const env = { ...process.env, CEPH_BASE: join(process.cwd(), '.ceph-rgw') };
  const started = spawnSync('bash', [script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (started.status !== 0) {
    console.error(`the stack pass needs Ceph RGW, and ${script} failed`);
    return 1;
  }
  const settings = Object.fromEntries(
    (started.stdout.trim().split('\n').pop() ?? '').split(/\s+/).map((pair) => pair.split('=', 2)).filter((kv) => kv.length === 2),
  );
  try {
    return run(settings);
  } finally {
    spawnSync('bash', [script, 'stop'], { env, stdio: 'inherit' });
  }
}

let status = 0;
if (pass !== 'stack') status = runPass(files, {});
if (pass !== 'embedded' && stackFiles.length > 0) {
  const started = Date.now();
  const stackStatus = await withRgw((rgwEnv) => runPass(stackFiles, { ...rgwEnv, BERTH_TEST_STACK: 'scale-out' }));
  console.log(`# stack pass (${stackFiles.length} files, three instances behind nginx): ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  status = status || stackStatus;
}
process.exit(status);
