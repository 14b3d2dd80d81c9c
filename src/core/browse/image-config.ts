/**
 * An image's configuration blob (OCI image config / Docker container config), as `docker
 * inspect` and `docker history` show it. The blob is whatever the pusher uploaded: it is read
 * with a size cap and anything malformed reads as "no config" rather than failing the page.
 */
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../ports/blob-store.js';
import { stringRecord } from './manifest-document.js';

/** Largest config blob read (real ones are a few KiB; a huge one is not worth parsing per view). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ImageConfigView {
  created: string | null;
  os: string;
  architecture: string;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  workingDir: string | null;
  user: string | null;
  labels: Record<string, string>;
  exposedPorts: string[];
}

export interface HistoryEntry {
  created: string | null;
  createdBy: string | null;
  emptyLayer: boolean;
  comment: string | null;
}

export interface ParsedConfig {
  config: ImageConfigView;
  history: HistoryEntry[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const strings = (value: unknown): string[] | null =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;

/** The blob's bytes when it exists and is at most `cap` bytes; undefined otherwise. */
export async function readCapped(blobs: BlobStore, digest: string, cap = MAX_CONFIG_BYTES): Promise<Buffer | undefined> {
  const stat = await blobs.stat(digest).catch(() => undefined);
  if (stat === undefined || stat.size > cap) return undefined;
  let stream: Readable;
  try {
    stream = await blobs.read(digest);
  } catch {
    return undefined;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      total += buffer.length;
      if (total > cap) return undefined;
      chunks.push(buffer);
    }
  } catch {
    return undefined;
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** The config as the UI shows it, or undefined when the bytes are not a config object. */
export function parseImageConfig(bytes: Buffer): ParsedConfig | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(doc)) return undefined;
  const inner = isObject(doc.config) ? doc.config : {};
  const history = Array.isArray(doc.history)
    ? doc.history.filter(isObject).map((h) => ({
        created: text(h.created),
        createdBy: text(h.created_by),
        emptyLayer: h.empty_layer === true,
        comment: text(h.comment),
      }))
    : [];
  return {
    config: {
      created: text(doc.created),
      os: text(doc.os) ?? '',
      architecture: text(doc.architecture) ?? '',
      env: strings(inner.Env) ?? [],
      entrypoint: strings(inner.Entrypoint),
      cmd: strings(inner.Cmd),
      workingDir: text(inner.WorkingDir) || null,
      user: text(inner.User) || null,
      labels: stringRecord(inner.Labels),
      exposedPorts: isObject(inner.ExposedPorts) ? Object.keys(inner.ExposedPorts) : [],
    },
    history,
  };
}

/**
 * `created_by` of each layer, in layer order: history entries marked empty_layer add no layer
 * (ENV, CMD…), so the i-th non-empty entry belongs to the i-th layer, as `docker history` pairs them.
 */
export function createdByPerLayer(history: readonly HistoryEntry[], layerCount: number): Array<string | null> {
  const layered = history.filter((h) => !h.emptyLayer);
  // A history that does not match the layers (squashed, edited) pairs nothing rather than wrongly.
  if (layered.length !== layerCount) return new Array<string | null>(layerCount).fill(null);
  return layered.map((h) => h.createdBy);
}
