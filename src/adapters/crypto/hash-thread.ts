/**
 * The body of the upload hashing thread (worker-thread-hashes.ts starts it). It holds one
 * Node hash per upload, fed in order from one message port, and sends every buffer back as
 * soon as it is hashed so the main thread can fill it again: the buffers circulate, nothing
 * is allocated per chunk on either side.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { FromHashThread, ToHashThread } from './hash-thread-messages.js';

const port = parentPort;
if (port === null) throw new Error('hash-thread.js runs only as a worker thread');
const hashes = new Map<number, Hash>();

port.on('message', (message: ToHashThread) => {
  const { id } = message;
  try {
    switch (message.op) {
      case 'start':
        hashes.set(id, createHash(message.algorithm));
        return;
      case 'update':
        // A dropped hash's bytes still come back: the buffer belongs to the pool, not the hash.
        hashes.get(id)?.update(new Uint8Array(message.buffer, 0, message.length));
        reply({ op: 'returned', id, buffer: message.buffer }, [message.buffer]);
        return;
      case 'digest': {
        const hash = hashes.get(id);
        hashes.delete(id);
        if (hash === undefined) reply({ op: 'failed', id, message: `no hash ${id} on the hashing thread` });
        else reply({ op: 'digest', id, hex: hash.digest('hex') });
        return;
      }
      case 'drop':
        hashes.delete(id);
        return;
      case 'count':
        reply({ op: 'count', id, live: hashes.size });
        return;
    }
  } catch (error) {
    hashes.delete(id);
    reply({ op: 'failed', id, message: error instanceof Error ? error.message : String(error) });
  }
});

function reply(message: FromHashThread, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}
