/**
 * OffThreadHashes on one long-lived worker thread running Node's native hashes
 * (hash-thread.ts), started on the first hash and shared by every upload of the process.
 *
 * Bytes cross by copy into 1 MiB buffers that are transferred to the thread and transferred
 * back once hashed; a process-wide free list keeps a few idle ones so a steady push allocates
 * nothing. Copying (≈ 25 ms per GiB on the main thread, profiled) is the price of leaving the
 * received chunks untouched for the file write, which gets them at the same time.
 *
 * Each hash may have MAX_IN_FLIGHT buffers at the thread; past that, update returns a promise
 * and the upload stops reading its socket until one comes back. Memory is therefore bounded
 * per upload (≤ 3 MiB: two in flight, one filling), never by a shared pool an idle client could
 * drain. The thread is unref'd: an idle hasher never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { OffThreadHash, OffThreadHashes } from '../../ports/off-thread-hash.js';
import type { FromHashThread, ToHashThread } from './hash-thread-messages.js';

const BUFFER_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT = 2;
const IDLE_BUFFERS_KEPT = 4;
const ALGORITHMS = new Set(['sha256', 'sha512']);
const NAME = 'worker-thread-hashes';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

class ThreadHash implements OffThreadHash {
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #inFlight = 0;
  #waiter: Waiter | undefined;
  #digest: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;
  #done = false;

  constructor(
    readonly id: number,
    private readonly host: WorkerThreadHashes,
  ) {}

  update(bytes: Uint8Array): void | Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#done) throw new Error(`${NAME}: update after digest or dispose`);
    let offset = 0;
    while (offset < bytes.length) {
      const buffer = (this.#buffer ??= this.host.takeBuffer());
      const count = Math.min(bytes.length - offset, buffer.length - this.#filled);
      buffer.set(bytes.subarray(offset, offset + count), this.#filled);
      this.#filled += count;
      offset += count;
      if (this.#filled === buffer.length) this.#send();
    }
    // A chunk bigger than a buffer may leave more than MAX_IN_FLIGHT out; the next update waits.
    if (this.#inFlight < MAX_IN_FLIGHT) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  digest(): Promise<string> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#done) return Promise.reject(new Error(`${NAME}: digest after digest or dispose`));
    if (this.#filled > 0) this.#send();
    this.#releaseBuffer();
    this.#done = true;
    return new Promise<string>((resolve, reject) => {
      this.#digest = { resolve, reject };
      this.host.post({ op: 'digest', id: this.id });
    });
  }

  dispose(): void {
    if (this.#done) return;
    this.#done = true;
    this.#releaseBuffer();
    this.host.forget(this.id);
    this.host.post({ op: 'drop', id: this.id });
    this.#waiter?.resolve();
    this.#waiter = undefined;
  }

  returned(): void {
    this.#inFlight -= 1;
    if (this.#inFlight >= MAX_IN_FLIGHT) return;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve();
  }

  settled(hex: string | Error): void {
    this.host.forget(this.id);
    const digest = this.#digest;
    this.#digest = undefined;
    if (typeof hex === 'string') digest?.resolve(hex);
    else this.fail(hex);
  }

  fail(error: Error): void {
    this.#failure = error;
    this.#releaseBuffer();
    this.#waiter?.reject(error);
    this.#digest?.reject(error);
    this.#waiter = undefined;
    this.#digest = undefined;
  }

  #send(): void {
    const buffer = this.#buffer;
    if (buffer === undefined) return;
    this.host.post({ op: 'update', id: this.id, buffer: buffer.buffer as ArrayBuffer, length: this.#filled }, buffer.buffer as ArrayBuffer);
    this.#buffer = undefined;
    this.#filled = 0;
    this.#inFlight += 1;
  }

  #releaseBuffer(): void {
    if (this.#buffer !== undefined) this.host.giveBuffer(this.#buffer.buffer as ArrayBuffer);
    this.#buffer = undefined;
    this.#filled = 0;
  }
}

export class WorkerThreadHashes implements OffThreadHashes {
  #worker: Worker | undefined;
  readonly #hashes = new Map<number, ThreadHash>();
  readonly #free: ArrayBuffer[] = [];
  readonly #counts = new Map<number, (live: number) => void>();
  #nextId = 1;

  get live(): number {
    return this.#hashes.size;
  }

  start(algorithm: string): OffThreadHash | undefined {
    if (!ALGORITHMS.has(algorithm)) return undefined;
    const hash = new ThreadHash(this.#nextId++, this);
    this.#hashes.set(hash.id, hash);
    this.post({ op: 'start', id: hash.id, algorithm });
    return hash;
  }

  /** How many hashes the thread itself holds (0 when it is not running). */
  async heldByThread(): Promise<number> {
    if (this.#worker === undefined) return 0;
    const id = this.#nextId++;
    return new Promise<number>((resolve) => {
      this.#counts.set(id, resolve);
      this.post({ op: 'count', id });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
    this.#failAll(new Error(`${NAME}: closed`));
  }

  /** @internal */
  post(message: ToHashThread, transfer?: ArrayBuffer): void {
    this.#thread().postMessage(message, transfer === undefined ? [] : [transfer]);
  }

  /** @internal */
  forget(id: number): void {
    this.#hashes.delete(id);
  }

  /** @internal */
  takeBuffer(): Uint8Array {
    const buffer = this.#free.pop();
    return new Uint8Array(buffer ?? new ArrayBuffer(BUFFER_BYTES));
  }

  /** @internal */
  giveBuffer(buffer: ArrayBuffer): void {
    if (this.#free.length < IDLE_BUFFERS_KEPT && buffer.byteLength === BUFFER_BYTES) this.#free.push(buffer);
  }

  #thread(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(new URL('./hash-thread.js', import.meta.url));
    worker.unref();
    worker.on('message', (message: FromHashThread) => this.#receive(message));
    // A dead thread fails the hashes it held (their uploads fail); the next hash starts a new one.
    const died = (error: Error): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(error);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`${NAME}: hashing thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #receive(message: FromHashThread): void {
    switch (message.op) {
      case 'returned':
        this.giveBuffer(message.buffer);
        this.#hashes.get(message.id)?.returned();
        return;
      case 'digest':
        this.#hashes.get(message.id)?.settled(message.hex);
        return;
      case 'failed':
        this.#hashes.get(message.id)?.settled(new Error(`${NAME}: ${message.message}`));
        return;
      case 'count':
        this.#counts.get(message.id)?.(message.live);
        this.#counts.delete(message.id);
        return;
    }
  }

  #failAll(error: Error): void {
    const hashes = [...this.#hashes.values()];
    this.#hashes.clear();
    for (const hash of hashes) hash.fail(error);
    for (const resolve of this.#counts.values()) resolve(0);
    this.#counts.clear();
  }
}
