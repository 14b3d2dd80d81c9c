/**
 * The built web UI as the HTTP edge serves it: read once at start (src/compose/ui-bundle.ts),
 * held in memory, so serving a page never touches the filesystem and no request path can name
 * a file outside the bundle.
 */
export interface UiFile {
  body: Buffer;
  /** Precompressed variants, present only when smaller than the plain body. */
  gzip: Buffer | undefined;
  br: Buffer | undefined;
  contentType: string;
  /** A strong validator of the plain body (quoted); variants append their encoding. */
  etag: string;
}

export type UiBundle =
  /** `assets` maps a path under /assets/ (no leading slash, e.g. `index-3f2a.js`) to its file. */
  | { kind: 'built'; index: UiFile; assets: ReadonlyMap<string, UiFile> }
  /** Nothing to serve at `path`: `/` says so and how to build it. */
  | { kind: 'missing'; path: string };
