// Builds the optional addons at install time: native/sendfile (blob GETs) and
// native/direct-write (upload appends). It never fails the install: without a compiler (or on a
// platform other than Linux) it prints one line per addon and Berth takes its JS paths
// (src/http/oci/pooled-send.ts, buffered writes), which are complete on their own.
// Under npm, node-gyp is npm's own copy (npm_config_node_gyp) and its header settings
// (npm_config_nodedir, …) come through the environment.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const native = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const addons = [
  { dir: 'sendfile', what: 'sendfile addon', without: 'blob GETs use the JS path', off: 'BERTH_SENDFILE' },
  { dir: 'direct-write', what: 'direct-write addon', without: 'uploads are written through the page cache', off: 'BERTH_DIRECT_WRITES' },
];
const skipAll = (why) => {
  for (const addon of addons) console.log(`berth: ${addon.what} not built (${why}); ${addon.without}`);
  process.exit(0);
};

if (process.platform !== 'linux') skipAll(`the addons are Linux-only here, this is ${process.platform}`);
const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp || (existsSync(bundled) ? bundled : undefined);
if (gyp === undefined) skipAll('node-gyp not found');
// Outside npm, the headers installed beside this node (Debian's nodejs, the node images) spare
// node-gyp a download that fails offline.
const prefix = join(dirname(process.execPath), '..');
const local = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'));
for (const addon of addons) {
  if (process.env[addon.off] === 'off') {
    console.log(`berth: ${addon.what} not built (${addon.off}=off); ${addon.without}`);
    continue;
  }
  const run = spawnSync(process.execPath, [gyp, 'rebuild', ...(local ? [`--nodedir=${prefix}`] : [])], { cwd: join(native, addon.dir), encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) {
    const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`.split('\n');
    const reason = output.find((line) => /error|not found|not ok/i.test(line) && !line.startsWith('gyp info')) ?? run.error?.message ?? `exit ${run.status}`;
    console.log(`berth: ${addon.what} not built (node-gyp failed: ${reason.trim().slice(0, 160)}); ${addon.without}`);
  }
}
