/** GET / HEAD / PUT / DELETE /v2/<name>/manifests/<reference> */
import { isAscii } from 'node:buffer';
import { looksLikeDigest } from '../../core/reference/reference.js';
import type { ManifestRecord } from '../../ports/metadata-store.js';
import { location, type OciContext, type OciHandler } from './oci-context.js';
import { readBody } from './read-body.js';

function notePull(context: OciContext, record: ManifestRecord): void {
  const { reference } = context.params;
  context.request.servedEvent = {
    action: 'pull',
    kind: 'manifest',
    digest: record.digest,
    size: record.body.length,
    mediaType: record.mediaType,
    ...(looksLikeDigest(reference) ? {} : { tag: reference }),
    body: record.body,
  };
}

function manifestHeaders(context: OciContext, record: ManifestRecord) {
  notePull(context, record);
  // The stored type is served whatever Accept says: clients that omit OCI types from Accept
  // (docker manifest inspect, some libraries) would otherwise get a 404 for content that exists.
  return context.reply.code(200).headers({
    'content-type': record.mediaType,
    'content-length': record.body.length,
    'docker-content-digest': record.digest,
    etag: `"${record.digest}"`,
  });
}

export const getManifest: OciHandler = async (context) => {
  const record = await context.registry.manifests.get(context.params.name, context.params.reference);
  // Node writes a string body together with the headers in one syscall, a Buffer in a second
  // one; on the busiest endpoint that is worth ~1.5x. Only ASCII bodies (nearly every
  // manifest) survive the string round trip byte-exact, so others stay Buffers.
  const payload = isAscii(record.body) ? record.body.toString('latin1') : record.body;
  // Fastify appends "; charset=utf-8" to a *json Content-Type sent with a string payload unless
  // a serializer takes the string; the stored media type must go out exactly as it is.
  if (typeof payload === 'string') context.reply.serializer(passThrough);
  return manifestHeaders(context, record).send(payload);
};

const passThrough = (payload: unknown): string => String(payload);

export const headManifest: OciHandler = async (context) => {
  const record = await context.registry.manifests.get(context.params.name, context.params.reference);
  return manifestHeaders(context, record).send();
};

export const putManifest: OciHandler = async (context) => {
  const { name, reference } = context.params;
  const { request } = context;
  const limit = context.registry.deps.maxManifestBytes;
  const body = await readBody(request.raw, limit, request.headers['content-length'], 'manifest');
  const result = await context.registry.manifests.put(name, reference, body, request.headers['content-type']);
  context.reply.code(201).headers({
    location: location(context.options, `/v2/${name}/manifests/${result.digest}`),
    'docker-content-digest': result.digest,
    'content-length': 0,
  });
  if (result.subject) context.reply.header('oci-subject', result.subject);
  context.request.servedEvent = {
    action: 'push',
    kind: 'manifest',
    digest: result.digest,
    size: body.length,
    mediaType: result.mediaType,
    ...(looksLikeDigest(reference) ? {} : { tag: reference }),
    body,
  };
  return context.reply.send();
};

export const deleteManifest: OciHandler = async (context) => {
  const { name, reference } = context.params;
  await context.registry.manifests.delete(name, reference);
  context.request.servedEvent = { action: 'delete', kind: 'manifest', ...(looksLikeDigest(reference) ? { digest: reference } : { tag: reference }) };
  return context.reply.code(202).header('content-length', 0).send();
};
