/** GET / HEAD / DELETE /v2/<name>/blobs/<digest> */
import type { ReadRange } from '../../ports/blob-store.js';
import { parseRange } from './byte-range.js';
import { canSendPooled, sendPooled } from './pooled-send.js';
import { canSendFile, sendFile } from './sendfile-send.js';
import { sendProxied } from './proxied-send.js';
import type { OciHandler } from './oci-context.js';

/** registry:2 notifies a pull for GET and HEAD alike (both serve the blob there). */
function notePull(context: Parameters<OciHandler>[0], size: number | undefined): void {
  context.request.servedEvent = { action: 'pull', kind: 'blob', digest: context.params.digest, size };
}

function blobHeaders(context: Parameters<OciHandler>[0], size: number): void {
  context.reply.headers({
    'docker-content-digest': context.params.digest,
    etag: `"${context.params.digest}"`,
    'accept-ranges': 'bytes',
    'cache-control': 'max-age=31536000',
    'content-type': 'application/octet-stream',
    'content-length': size,
  });
}

export const headBlob: OciHandler = async (context) => {
  const { size } = await context.registry.blobs.stat(context.params.name, context.params.digest);
  blobHeaders(context, size);
  notePull(context, size);
  return context.reply.code(200).send();
};

export const getBlob: OciHandler = async (context) => {
  const { name, digest } = context.params;
  // A proxy project's blob not cached yet streams from its upstream while it is cached; a
  // Range request waits for the whole blob and is then answered from the store.
  const found = await context.registry.blobs.locate(name, digest, { whole: context.request.headers.range !== undefined });
  const proxied = found.proxied;
  if (proxied !== undefined) {
    context.reply.headers({
      'docker-content-digest': digest,
      etag: `"${digest}"`,
      'cache-control': 'max-age=31536000',
      'content-type': 'application/octet-stream',
    });
    if (proxied.size !== undefined) context.reply.header('content-length', proxied.size);
    notePull(context, proxied.size);
    context.reply.code(200);
    if (proxied.sent !== undefined && canSendPooled(context.reply)) return sendProxied(context.reply, proxied.stream, proxied.sent);
    return context.reply.send(proxied.stream);
  }
  // As registry:2 does on S3: the bytes come from the store itself, Range and all.
  const location = await context.registry.blobs.redirectUrl(name, digest);
  if (location !== undefined) {
    notePull(context, (await context.registry.blobs.stat(name, digest).catch(() => undefined))?.size);
    return context.reply.code(307).header('location', location).header('docker-content-digest', digest).header('content-length', 0).send();
  }
  const { size } = found;
  let range: ReadRange | undefined;
  try {
    range = parseRange(context.request.headers.range, size);
  } catch (error) {
    // RFC 9110 §15.5.17: a 416 names the current length so the client can ask again.
    context.reply.header('content-range', `bytes */${size}`);
    throw error;
  }
  const status = range ? 206 : 200;
  if (canSendPooled(context.reply)) {
    const reader = await context.registry.blobs.openReader(name, digest);
    if (reader !== undefined) {
      blobHeaders(context, range ? range.end - range.start + 1 : size);
      if (range) context.reply.header('content-range', `bytes ${range.start}-${range.end}/${size}`);
      notePull(context, size);
      const addon = canSendFile(context.reply, reader, range ? range.end - range.start + 1 : size);
      if (addon !== undefined) return sendFile(addon, context.reply, status, reader, range?.start ?? 0, range?.end ?? size - 1);
      return sendPooled(context.reply, status, reader, range?.start ?? 0, range?.end ?? size - 1);
    }
  }
  const stream = await context.registry.blobs.open(name, digest, range);
  notePull(context, size);
  if (!range) {
    blobHeaders(context, size);
    return context.reply.code(200).send(stream);
  }
  blobHeaders(context, range.end - range.start + 1);
  context.reply.header('content-range', `bytes ${range.start}-${range.end}/${size}`);
  return context.reply.code(206).send(stream);
};

export const deleteBlob: OciHandler = async (context) => {
  await context.registry.blobs.delete(context.params.name, context.params.digest);
  context.request.servedEvent = { action: 'delete', kind: 'blob', digest: context.params.digest };
  return context.reply.code(202).header('docker-content-digest', context.params.digest).header('content-length', 0).send();
};
