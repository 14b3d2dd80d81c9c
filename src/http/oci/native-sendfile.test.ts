import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadNativeSendfile } from './native-sendfile.js';

// A build left on disk by an older checkout has another `send`; calling it would fail every big
// pull, so it must read as absent (the JS path) rather than load.
test('only a build with this interface loads; an older one, or none, means the JS path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-addon-'));
  try {
    const stand = async (name: string, version: number | undefined): Promise<string> => {
      const path = join(dir, `${name}.cjs`);
      const field = version === undefined ? '' : `, interfaceVersion: ${version}`;
      await writeFile(path, `module.exports = { send() {}, cancel() {}, active() { return 0; }${field} };\n`);
      return path;
    };
    assert.notEqual(loadNativeSendfile(await stand('current', 2)), null);
    assert.equal(loadNativeSendfile(await stand('unversioned', undefined)), null);
    assert.equal(loadNativeSendfile(await stand('other', 3)), null);
    assert.equal(loadNativeSendfile(join(dir, 'missing.node')), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
