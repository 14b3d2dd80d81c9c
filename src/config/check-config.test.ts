import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkConfigFile } from './check-config.js';
import { tempDir, type TempDir } from './test-support.js';

let dir: TempDir;
before(() => {
  dir = tempDir();
});
after(() => dir.remove());

test('a broken YAML file is reported with line and column, not thrown', () => {
  const file = dir.write('broken.yml', 'version: 0.1\nhttp:\n  addr: :5000\n  addr: :6000\nstorage: [filesystem\n');
  const result = checkConfigFile(file, {});
  assert.equal(result.ok, false);
  assert.equal(result.problems.length, 2);
  assert.equal(result.problems[0], `${file}:4:3: Map keys must be unique`);
  assert.ok(result.problems[1].startsWith(`${file}:6:1: `), result.problems[1]);
});

test('a missing file is a problem', () => {
  assert.deepEqual(checkConfigFile('absent.yml', {}, { cwd: dir.path }), {
    ok: false,
    problems: ['absent.yml: no such file'],
    warnings: [],
  });
});

test('a good file is ok, with its warnings', () => {
  const file = dir.write('good.yml', 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ./data\n  cache:\n    blobdescriptor: inmemory\n');
  assert.deepEqual(checkConfigFile(file, {}, { cwd: dir.path }), {
    ok: true,
    problems: [],
    warnings: ['storage.cache: ignored; Berth keeps blob metadata in its own metadata store (blobdescriptor: redis or inmemory needs nothing here)'],
  });
});

test('every problem is listed, environment included', () => {
  const file = dir.write('bad.yml', 'htpp: {}\nhttp:\n  addr: nope\n');
  const result = checkConfigFile(file, { REGISTRY_LOG_LEVEL: 'chatty' });
  assert.deepEqual(result.problems, [
    'unknown key "htpp" (did you mean "http"?)',
    'REGISTRY_LOG_LEVEL (log.level): "chatty" is not one of error, warn, info, debug, trace',
    'http.addr: "nope" is not host:port or :port',
  ]);
});

test('TLS files that do not exist, and a root that is a file, are found before serve would trip on them', () => {
  const cert = dir.write('domain.crt', 'not really a certificate');
  dir.write('root-is-a-file', '');
  const file = dir.write('tls.yml', `http:\n  tls:\n    certificate: ${cert}\n    key: missing.key\nstorage:\n  filesystem:\n    rootdirectory: root-is-a-file\n`);
  const result = checkConfigFile(file, {}, { cwd: dir.path });
  assert.equal(result.ok, false);
  assert.deepEqual(result.problems, [
    `http.tls.key "${dir.path}/missing.key" does not exist; fix the path (REGISTRY_HTTP_TLS_KEY) or put the file there`,
    `storage.filesystem.rootdirectory "${dir.path}/root-is-a-file" is a file, not a directory; remove it or choose another directory with storage.filesystem.rootdirectory (REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY)`,
  ]);
});
