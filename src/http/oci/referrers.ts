/** GET /v2/<name>/referrers/<digest>: an OCI index of the manifests whose subject is <digest>. */
import { OCI_INDEX } from '../../core/manifest/media-types.js';
import { queryValue, type OciHandler } from './oci-context.js';

export const listReferrers: OciHandler = async (context) => {
  const artifactType = queryValue(context.request, 'artifactType') || undefined;
  const referrers = await context.registry.listings.referrers(context.params.name, context.params.digest, artifactType);
  if (artifactType !== undefined) context.reply.header('oci-filters-applied', 'artifactType');
  const manifests = referrers.map((r) => ({
    mediaType: r.mediaType,
    digest: r.digest,
    size: r.size,
    ...(r.artifactType !== undefined ? { artifactType: r.artifactType } : {}),
    ...(r.annotations !== undefined ? { annotations: r.annotations } : {}),
  }));
  // A Buffer, not a string: Fastify appends "; charset=utf-8" to any *json Content-Type sent
  // with a string payload, and the spec names the index media type exactly.
  return context.reply
    .code(200)
    .header('content-type', OCI_INDEX)
    .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })));
};
