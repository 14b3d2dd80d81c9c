import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { SessionLocks } from './session-locks.js';

function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

test('a second writer is refused at once; a remover waits for the writer, then runs', async () => {
  const locks = new SessionLocks();
  const order: string[] = [];
  const held = gate();
  const writer = locks.run('s', 'write', async () => {
    await held.opened;
    order.push('write');
  });
  await assert.rejects(locks.run('s', 'write', async () => undefined), /another request is writing this upload/);
  const remover = locks.run('s', 'remove', async () => {
    order.push('remove');
  });
  assert.equal(await locks.runIfFree('s', async () => assert.fail('must not run while held')), false);
  held.open();
  await Promise.all([writer, remover]);
  assert.deepEqual(order, ['write', 'remove']);
  assert.equal(locks.isHeld('s'), false);
});

test('a writer arriving during a remove waits for it instead of being refused', async () => {
  const locks = new SessionLocks();
  const order: string[] = [];
  const held = gate();
  const remover = locks.run('s', 'remove', async () => {
    await held.opened;
    order.push('remove');
  });
  const writer = locks.run('s', 'write', async () => {
    order.push('write');
  });
  held.open();
  await Promise.all([remover, writer]);
  assert.deepEqual(order, ['remove', 'write']);
});
