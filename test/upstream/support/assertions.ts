/** Assertions the upstream tests share. */
import { strict as assert } from 'node:assert';
import { UpstreamError, type UpstreamErrorKind } from '../../../src/ports/upstream-registry.js';

/** Awaits a rejection that must be an UpstreamError of `kind`; returns it for further checks. */
export async function expectUpstreamError(promise: Promise<unknown>, kind: UpstreamErrorKind): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError(${kind}), got ${String(error)}`);
    assert.equal(error.kind, kind, `expected kind ${kind}: ${error.message}`);
    return error;
  }
  assert.fail(`expected an UpstreamError(${kind}), but it resolved`);
}

export async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
