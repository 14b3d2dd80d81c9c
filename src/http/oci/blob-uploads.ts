/**
 * /v2/<name>/blobs/uploads/[<id>]: start (plain, monolithic, cross-repository mount), chunk,
 * complete, status, cancel. The request body is the raw socket stream: nothing is buffered.
 */
import type { Readable } from 'node:stream';
import { BlobUploadInvalidError, DigestInvalidError } from '../../core/errors.js';
import { assertDigest, isValidName } from '../../core/reference/reference.js';
import type { UploadSession } from '../../ports/metadata-store.js';
import { parseContentRange } from './byte-range.js';
import { location, memberCaller, mountFrom, queryValue, type OciContext, type OciHandler } from './oci-context.js';

function uploadPath(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

/** Range of an upload's acknowledged bytes, inclusive, as Distribution reports it (0-0 when empty). */
function rangeOf(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

function sessionReply(context: OciContext, session: UploadSession, status: 202 | 204) {
  context.reply.code(status).headers({
    location: location(context.options, uploadPath(session.repository, session.id)),
    range: rangeOf(session.size),
    'docker-upload-uuid': session.id,
    'oci-chunk-min-length': 0,
  });
  // RFC 9110 §8.6: a 204 must not carry Content-Length; a 202 says its body is empty.
  if (status === 202) context.reply.header('content-length', 0);
  return context.reply.send();
}

function created(context: OciContext, digest: string) {
  return context.reply
    .code(201)
    .headers({
      location: location(context.options, `/v2/${context.params.name}/blobs/${digest}`),
      'docker-content-digest': digest,
      'content-length': 0,
    })
    .send();
}

function body(context: OciContext): Readable {
  return context.request.raw;
}

/** The body's length when the client declared it (Content-Length), so a quota can judge it first. */
function declaredLength(context: OciContext): number | undefined {
  const length = context.request.headers['content-length'];
  if (length === undefined || context.request.headers['transfer-encoding'] !== undefined) return undefined;
  const n = Number(length);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** True when the request carries a body (a length above zero, or chunked framing). */
function hasBody(context: OciContext): boolean {
  const { headers } = context.request;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  // HTTP/2 may send neither header; the stream knows whether the HEADERS frame ended it.
  const stream = (context.request.raw as unknown as { stream?: { endAfterHeaders?: boolean } }).stream;
  return context.request.raw.httpVersionMajor === 2 && stream?.endAfterHeaders === false;
}

/** Whose sessions these are, for the per-account cap; none for an anonymous caller (auth: none). */
function accountOf(context: OciContext): string | undefined {
  return context.access.actor === 'anonymous' ? undefined : context.access.actor;
}

export const startUpload: OciHandler = async (context) => {
  const { name } = context.params;
  const mount = queryValue(context.request, 'mount');
  const digest = queryValue(context.request, 'digest');
  if (mount !== undefined) {
    assertDigest(mount);
    const from = mountFrom(context.request, context.options);
    // Knowing a digest grants nothing: the caller must be able to pull the source repository,
    // and a mount without one (search every repository) is only for unrestricted callers.
    const allowed = from !== undefined ? await context.access.may(from, 'pull') : context.access.unrestricted;
    let mounted: { size: number } | undefined;
    if (allowed) {
      // A group's name mounts from a member the caller may pull that links the blob; with none
      // the answer is the ordinary upload any refused mount gets. An invalid `from` goes on to
      // the mount's own name check.
      const source = from !== undefined && isValidName(from) ? await context.registry.routing.mountSource(from, mount, memberCaller(context)) : from;
      if (source !== undefined || from === undefined) mounted = await context.registry.blobs.mount(name, mount, source);
    }
    if (mounted) return created(context, mount);
  } else if (digest !== undefined) {
    const result = await context.registry.uploads.monolithic(name, digest, body(context), declaredLength(context), accountOf(context));
    return created(context, result.digest);
  }
  const session = await context.registry.uploads.start(name, accountOf(context));
  if (hasBody(context)) {
    // Some clients send the first chunk with the POST; keep it rather than drop it.
    const appended = await context.registry.uploads.append(name, session.id, body(context), undefined, declaredLength(context));
    return sessionReply(context, appended, 202);
  }
  return sessionReply(context, session, 202);
};

export const patchUpload: OciHandler = async (context) => {
  const range = parseContentRange(context.request.headers['content-range']);
  const declared = context.request.headers['content-length'];
  if (range && declared !== undefined && Number(declared) !== range.end - range.start + 1) {
    context.request.raw.resume();
    throw new BlobUploadInvalidError('Content-Length does not match Content-Range', {
      contentLength: Number(declared),
      contentRange: `${range.start}-${range.end}`,
    });
  }
  const session = await context.registry.uploads.append(context.params.name, context.params.id, body(context), range, declaredLength(context));
  return sessionReply(context, session, 202);
};

export const completeUpload: OciHandler = async (context) => {
  const digest = queryValue(context.request, 'digest');
  if (digest === undefined || digest === '') {
    context.request.raw.resume();
    throw new DigestInvalidError('the digest query parameter is required to complete an upload');
  }
  const range = parseContentRange(context.request.headers['content-range']);
  const final = hasBody(context) ? body(context) : undefined;
  const result = await context.registry.uploads.complete(context.params.name, context.params.id, digest, final, range, declaredLength(context));
  return created(context, result.digest);
};

export const uploadStatus: OciHandler = async (context) => {
  const session = await context.registry.uploads.status(context.params.name, context.params.id);
  return sessionReply(context, session, 204);
};

export const cancelUpload: OciHandler = async (context) => {
  await context.registry.uploads.cancel(context.params.name, context.params.id);
  return context.reply.code(204).send();
};
