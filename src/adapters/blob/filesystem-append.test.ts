import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { appendBody, type AppendSizes } from './filesystem-append.js';

/** A write that takes a few milliseconds, into `file`, recording what it was asked. */
function recordingWrite(file: Buffer) {
  const calls: { at: number; length: number; alongside: number }[] = [];
  let inFlight = 0;
  const write: NonNullable<AppendSizes['write']> = async (_handle, chunks, position) => {
    inFlight++;
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    calls.push({ at: position, length, alongside: inFlight });
    await sleep(1 + Math.floor(Math.random() * 4));
    let at = position;
    for (const chunk of chunks) at += Buffer.from(chunk).copy(file, at);
    inFlight--;
    return at;
  };
  return { calls, write };
}

/** Chunks of uneven sizes, as a socket delivers them. */
function uneven(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = [65536, 3, 4093, 20000][i % 4]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

test('with depth 2 and an alignment, two writes run at once, every one but the last ends aligned, and the bytes are exact', async () => {
  const start = 1234;
  const body = randomBytes(6 * 65536 + 777);
  const file = Buffer.alloc(start + body.length);
  const { calls, write } = recordingWrite(file);
  const sizes: AppendSizes = { batchBytes: 65536, writeBackBytes: Infinity, depth: 2, align: 4096, write };
  const appended = await appendBody(Readable.from(uneven(body)), {} as FileHandle, start, sizes);
  assert.equal(appended.position, start + body.length);
  assert.ok(file.subarray(start).equals(body), 'the written bytes differ from the body');
  assert.ok(calls.some((call) => call.alongside === 2), 'no two writes ever ran at once');
  assert.ok(calls.every((call) => call.alongside <= 2), 'more than two writes ran at once');
  for (const [i, call] of calls.entries()) {
    assert.equal(call.at, i === 0 ? start : calls[i - 1]!.at + calls[i - 1]!.length, 'writes are not contiguous');
    if (i < calls.length - 1) assert.equal((call.at + call.length) % 4096, 0, `write ${i} ends off a block boundary`);
  }
});

test('with the default depth, one write at a time and no alignment', async () => {
  const body = randomBytes(5 * 65536 + 5);
  const file = Buffer.alloc(body.length);
  const { calls, write } = recordingWrite(file);
  await appendBody(Readable.from(uneven(body)), {} as FileHandle, 0, { batchBytes: 65536, writeBackBytes: Infinity, write });
  assert.ok(file.equals(body));
  assert.ok(calls.every((call) => call.alongside === 1));
});

test('a failed write with another in flight rejects once both have settled, and stops the source', async () => {
  let inFlight = 0;
  let settledWrites = 0;
  const sizes: AppendSizes = {
    batchBytes: 65536,
    writeBackBytes: Infinity,
    depth: 2,
    align: 4096,
    write: async (_handle, chunks, position) => {
      inFlight++;
      const first = position === 0;
      await sleep(first ? 2 : 20);
      inFlight--;
      settledWrites++;
      if (first) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return position + chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    },
  };
  const source = Readable.from(uneven(randomBytes(8 * 65536)));
  await assert.rejects(appendBody(source, {} as FileHandle, 0, sizes), /ENOSPC/);
  assert.equal(inFlight, 0, 'the append settled with a write still in flight');
  assert.ok(settledWrites >= 2);
  assert.ok(source.destroyed);
});
