import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListenAddress } from './listen-address.js';

test('accepts the forms Distribution accepts', () => {
  assert.deepEqual(parseListenAddress(':5000'), { host: undefined, port: 5000 });
  assert.deepEqual(parseListenAddress('localhost:5000'), { host: 'localhost', port: 5000 });
  assert.deepEqual(parseListenAddress('0.0.0.0:443'), { host: '0.0.0.0', port: 443 });
  assert.deepEqual(parseListenAddress('[::1]:5000'), { host: '::1', port: 5000 });
  assert.deepEqual(parseListenAddress('[::]:0'), { host: '::', port: 0 });
  assert.deepEqual(parseListenAddress('registry_1.internal:5000'), { host: 'registry_1.internal', port: 5000 });
});

test('explains what is wrong with a bad address', () => {
  const reason = (addr: string) => {
    const parsed = parseListenAddress(addr);
    return 'invalid' in parsed ? parsed.invalid : 'valid';
  };
  assert.equal(reason(':99999'), '":99999" is not a valid port');
  assert.equal(reason(':http'), '":http" is not a valid port');
  assert.equal(reason('5000'), '"5000" is not host:port or :port');
  assert.equal(reason('localhost:'), '"localhost:" has no port');
  assert.match(reason('::1:5000'), /brackets/);
  assert.match(reason('[nope]:5000'), /invalid IPv6 host/);
  assert.match(reason('bad host:5000'), /invalid host "bad host"/);
});
