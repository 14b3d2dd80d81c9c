/**
 * The descriptors a manifest points at, for `events.includereferences`: config and layers of an
 * image manifest, the child manifests of an index, as registry:2 lists
 * them. A body that does not parse has none; it was validated when pushed, so that means a
 * schema Berth does not walk, not an error.
 */
import type { EventDescriptor } from './registry-event.js';

export function manifestReferences(body: Buffer): EventDescriptor[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const doc = parsed as Record<string, unknown>;
  const out: EventDescriptor[] = [];
  const add = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return;
    const d = value as Record<string, unknown>;
    if (typeof d.digest === 'string' && typeof d.size === 'number') {
      out.push({ mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', size: d.size, digest: d.digest });
    }
  };
  if (Array.isArray(doc.manifests)) doc.manifests.forEach(add);
  add(doc.config);
  if (Array.isArray(doc.layers)) doc.layers.forEach(add);
  return out;
}
