// Builds the optional sendfile addon (native/sendfile) at install time. It never fails the
// install: without a compiler (or on a platform other than Linux) it prints one line and Berth
// sends blobs with its JS path (src/http/oci/pooled-send.ts), which is complete on its own.
// Under npm, node-gyp is npm's own copy (npm_config_node_gyp) and its header settings
// (npm_config_nodedir, …) come through the environment.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const addon = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'sendfile');
const skip = (why) => {
  console.log(`berth: sendfile addon not built (${why}); blob GETs use the JS path`);
  process.exit(0);
};

if (process.platform !== 'linux') skip(`sendfile(2) is Linux-only here, this is ${process.platform}`);
if (process.env.BERTH_SENDFILE === 'off') skip('BERTH_SENDFILE=off');
const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp || (existsSync(bundled) ? bundled : undefined);
if (gyp === undefined) skip('node-gyp not found');
// Outside npm, the headers installed beside this node (Debian's nodejs, the node images) spare
// node-gyp a download that fails offline.
const prefix = join(dirname(process.execPath), '..');
const local = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'));
const run = spawnSync(process.execPath, [gyp, 'rebuild', ...(local ? [`--nodedir=${prefix}`] : [])], { cwd: addon, encoding: 'utf8' });
if (run.error !== undefined || run.status !== 0) {
  const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`.split('\n');
  const reason = output.find((line) => /error|not found|not ok/i.test(line) && !line.startsWith('gyp info')) ?? run.error?.message ?? `exit ${run.status}`;
  skip(`node-gyp failed: ${reason.trim().slice(0, 160)}`);
}
