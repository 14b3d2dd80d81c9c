/**
 * The slice of the distribution protocol the benchmarks speak. Every unexpected status becomes
 * a ProtocolError whose message is short enough for a table cell ("404 on PUT manifest
 * (MANIFEST_BLOB_UNKNOWN)"), because an incomplete server must yield a readable row, not a crash.
 */
import { patternRange, type Blob } from './data.js';
import type { HttpClient, HttpResponse } from './http-client.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');

export class ProtocolError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the registry answered at all. */
    readonly status?: number,
    /** The first error code of the registry's error envelope, e.g. MANIFEST_BLOB_UNKNOWN. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export function expectStatus(res: HttpResponse, expected: number | number[], what: string): void {
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
  if (ok) return;
  let code: string | undefined;
  try {
    const parsed: unknown = JSON.parse(res.body.toString('utf8'));
    const first = (parsed as { errors?: { code?: unknown }[] }).errors?.[0]?.code;
    if (typeof first === 'string') code = first;
  } catch {
    // Not an error envelope; the status alone has to do.
  }
  throw new ProtocolError(`${res.status} on ${what}${code === undefined ? '' : ` (${code})`}`, res.status, code);
}

function location(res: HttpResponse, what: string): string {
  const value = res.headers.location;
  if (!value) throw new ProtocolError(`no Location on ${what}`);
  return value;
}

/** Clients keep the session's query and append the digest; so do we. */
function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** How a registry takes a whole blob: one POST with the body, or POST then PUT with the body. */
export type UploadMode = 'single-post' | 'post-put';

const OCTET = { 'content-type': 'application/octet-stream' };

export class Registry {
  constructor(readonly http: HttpClient) {}

  /**
   * Single-request push (POST ?digest= with the body) is optional in the spec; Distribution 2.8
   * ignores the body and opens a session. Probe with a tiny blob and fall back to POST + PUT.
   */
  async uploadMode(repo: string, probe: Blob): Promise<UploadMode> {
    const res = await this.http.request('POST', `/v2/${repo}/blobs/uploads/?digest=${probe.digest}`, {
      headers: OCTET,
      body: probe.body,
    });
    if (res.status === 201) return 'single-post';
    expectStatus(res, 202, 'POST blob upload');
    const put = await this.http.request('PUT', withQuery(location(res, 'POST blob upload'), `digest=${probe.digest}`), {
      headers: OCTET,
      body: probe.body,
    });
    expectStatus(put, 201, 'PUT blob upload');
    return 'post-put';
  }

  /** Pushes a whole blob; returns the number of HTTP requests it took. */
  async pushBlob(repo: string, blob: Blob, mode: UploadMode): Promise<number> {
    if (mode === 'single-post') {
      const res = await this.http.request('POST', `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
        headers: OCTET,
        body: blob.body,
      });
      expectStatus(res, 201, 'POST blob with digest');
      return 1;
    }
    const start = await this.http.request('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(start, 202, 'POST blob upload');
    const put = await this.http.request('PUT', withQuery(location(start, 'POST blob upload'), `digest=${blob.digest}`), {
      headers: OCTET,
      body: blob.body,
    });
    expectStatus(put, 201, 'PUT blob upload');
    return 2;
  }

  /** POST, PATCH each chunk with Content-Range, PUT ?digest=; returns the request count. */
  async pushChunked(repo: string, digest: string, total: number, chunkBytes: number): Promise<number> {
    const start = await this.http.request('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(start, 202, 'POST blob upload');
    let url = location(start, 'POST blob upload');
    let requests = 1;
    for (let offset = 0; offset < total; offset += chunkBytes) {
      const length = Math.min(chunkBytes, total - offset);
      const res = await this.http.request('PATCH', url, {
        headers: { ...OCTET, 'content-range': `${offset}-${offset + length - 1}` },
        body: patternRange(offset, length),
      });
      expectStatus(res, 202, `PATCH chunk at ${offset}`);
      url = location(res, 'PATCH chunk');
      requests++;
    }
    const put = await this.http.request('PUT', withQuery(url, `digest=${digest}`), { headers: OCTET });
    expectStatus(put, 201, 'PUT closing chunked upload');
    return requests + 1;
  }

  /** Makes a small blob present in `repo`: cross-repo mount, or an upload if the mount is refused. */
  async linkBlob(repo: string, from: string, blob: Blob): Promise<void> {
    const res = await this.http.request('POST', `/v2/${repo}/blobs/uploads/?mount=${blob.digest}&from=${from}`);
    if (res.status === 201) return;
    expectStatus(res, 202, 'POST blob mount');
    const put = await this.http.request('PUT', withQuery(location(res, 'POST blob mount'), `digest=${blob.digest}`), {
      headers: OCTET,
      body: blob.body,
    });
    expectStatus(put, 201, 'PUT blob upload');
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.http.request('HEAD', `/v2/${repo}/blobs/${digest}`);
    if (res.status === 404) return false;
    expectStatus(res, 200, 'HEAD blob');
    return true;
  }

  async putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<void> {
    const res = await this.http.request('PUT', `/v2/${repo}/manifests/${reference}`, {
      headers: { 'content-type': mediaType },
      body,
    });
    expectStatus(res, 201, 'PUT manifest');
  }

  /** DELETE by digest (the manifest and every tag on it); registries answer 202. */
  async deleteManifest(repo: string, digest: string): Promise<void> {
    const res = await this.http.request('DELETE', `/v2/${repo}/manifests/${digest}`);
    expectStatus(res, 202, 'DELETE manifest');
  }

  /**
   * Walks a paginated list (`_catalog` or `tags/list`) by its Link headers and counts the
   * entries. A registry that ignores `n` simply answers in one page.
   */
  async walk(first: string, key: 'repositories' | 'tags'): Promise<{ entries: number; pages: number }> {
    let next: string | undefined = first;
    let entries = 0;
    let pages = 0;
    while (next !== undefined) {
      const res = await this.http.request('GET', next);
      expectStatus(res, 200, `GET ${key === 'tags' ? 'tags/list' : '_catalog'}`);
      const page = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
      const list = page[key];
      // An empty page may omit the list or send null; neither is an error.
      entries += Array.isArray(list) ? list.length : 0;
      pages++;
      if (pages > 1_000_000) throw new ProtocolError(`${key} walk did not end`);
      const link = res.headers.link;
      const match = typeof link === 'string' ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
      next = match ? match[1] : undefined;
    }
    return { entries, pages };
  }
}
