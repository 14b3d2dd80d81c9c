/**
 * ResumableHashes on hash-wasm, whose SHA-256 can save and load its internal state (Node's
 * crypto cannot). sha256 only: it is the digest of nearly every push, and a sha512 upload
 * falls back to re-reading its staged bytes. About 6× slower than Node's native SHA-256, so
 * it is used only where uploads move between instances (a shared blob store).
 */
import { createSHA256, type IHasher } from 'hash-wasm';
import type { ResumableHash, ResumableHashes } from '../../ports/resumable-hash.js';

const STATE_PREFIX = 'hash-wasm-sha256:';

class WasmHash implements ResumableHash {
  constructor(private readonly hasher: IHasher) {}

  update(bytes: Uint8Array): void {
    this.hasher.update(bytes);
  }

  digest(): string {
    return this.hasher.digest('hex');
  }

  save(): string {
    return STATE_PREFIX + Buffer.from(this.hasher.save()).toString('base64');
  }
}

export class WasmResumableHashes implements ResumableHashes {
  async start(algorithm: string): Promise<ResumableHash | undefined> {
    if (algorithm !== 'sha256') return undefined;
    const hasher = await createSHA256();
    hasher.init();
    return new WasmHash(hasher);
  }

  async resume(algorithm: string, state: string): Promise<ResumableHash | undefined> {
    if (algorithm !== 'sha256' || !state.startsWith(STATE_PREFIX)) return undefined;
    const hasher = await createSHA256();
    try {
      hasher.load(Buffer.from(state.slice(STATE_PREFIX.length), 'base64'));
    } catch {
      // A state from another version of the library, or damaged: re-reading the bytes is the fallback.
      return undefined;
    }
    return new WasmHash(hasher);
  }
}
