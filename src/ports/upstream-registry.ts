/**
 * UpstreamRegistry: reading from another registry (Docker Hub, ghcr.io, quay.io, another Berth,
 * any Distribution v2 API) on behalf of a proxy project. Core asks for manifests, blobs and tags
 * by repository name and reference; everything about HTTP — authentication (anonymous, Basic,
 * the Bearer token dance), TLS trust, redirects, timeouts, retries — stays in the adapter.
 *
 * Names: callers pass repository names as their own clients spelled them (`nginx`,
 * `library/nginx`); the adapter maps them to what the upstream expects (Docker Hub's `library/`
 * prefix for one-component names) and never reports the mapped name back.
 *
 * Trust: nothing the upstream sends is believed without a check. A manifest whose bytes hash to
 * something other than the requested digest, or to something other than the upstream's own
 * Docker-Content-Digest, is refused with kind 'protocol'. A blob's stream is hashed while it is
 * read and errors at its end ('protocol') if the bytes do not match the digest or the announced
 * size: a caller must treat what it read as untrusted until the stream ends without an error.
 *
 * Absence is not an error: a 404 resolves to `undefined`. Every other failure is an
 * UpstreamError. An aborted signal rejects with the signal's reason (an AbortError), and an
 * abort in the middle of a blob stream errors the stream the same way.
 */

export interface UpstreamSpec {
  /**
   * Base URL of the registry: `https://ghcr.io`, `http://127.0.0.1:5000`. `docker.io`,
   * `index.docker.io` and `registry-1.docker.io` (with or without a scheme) all mean Docker Hub.
   * A bare host means https.
   */
  url: string;
  /** Who uses this upstream, for messages: "proxy project hub". */
  label?: string;
  username?: string;
  password?: string;
  /** PEM of extra certificate authorities trusted for this upstream (on top of the system ones). */
  ca?: string;
  /** Accept any certificate from this upstream (and the hosts it redirects to). Digests are still checked. */
  skipVerify?: boolean;
  timeouts?: Partial<UpstreamTimeouts>;
  retry?: Partial<UpstreamRetryPolicy>;
  /** Largest manifest accepted, in bytes; 4 MiB (what Distribution and Docker Hub allow) by default. */
  maxManifestBytes?: number;
}

export interface UpstreamTimeouts {
  /** TCP (and TLS) connection set-up. */
  connectMs: number;
  /** From the request being sent to the response's headers. */
  headersMs: number;
  /** Longest silence while a response body streams. */
  idleMs: number;
}

export interface UpstreamRetryPolicy {
  /** Attempts per request, the first included (1 = never retry). */
  attempts: number;
  /** First backoff; doubles on each retry, with full jitter. */
  baseDelayMs: number;
  /** Cap of one backoff. */
  maxDelayMs: number;
  /**
   * Longest Retry-After the client waits out. A 429 or 503 asking for more fails at once with
   * kind 'rate-limited' and `retryAfterSeconds`, so the caller can serve from its cache instead.
   */
  maxRetryAfterMs: number;
}

export interface UpstreamRequestOptions {
  signal?: AbortSignal;
}

export interface ManifestRequestOptions extends UpstreamRequestOptions {
  /**
   * Media types to ask for, most preferred first; the OCI and Docker image manifest and index
   * types by default.
   */
  accept?: readonly string[];
}

export interface UpstreamManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface UpstreamManifest {
  /** The digest of `body`, as computed here (never only as the upstream claimed it). */
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface UpstreamBlob {
  /** Announced by the upstream (Content-Length); undefined when it streamed without one. */
  size: number | undefined;
  /**
   * The bytes, verified while they stream: the iterator throws UpstreamError('protocol') after
   * the last chunk if they do not hash to the digest. Iterate it to the end or break out of it
   * (which releases the connection); an abandoned iterator holds a connection open.
   */
  body: AsyncIterable<Uint8Array>;
}

export interface TagPage {
  tags: string[];
  /** Pass as `last` for the following page; undefined on the last page. */
  next: string | undefined;
}

export interface UpstreamRegistry {
  /** The upstream's name in messages and metrics: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly name: string;

  /**
   * HEAD of a manifest by tag or digest; undefined on 404. Docker Hub does not count a HEAD
   * against its pull limit, so this is how a cached tag is re-validated. When the upstream sends
   * no Docker-Content-Digest, falls back to a GET (and checks the body). A digest reference
   * answered with another digest is 'protocol'.
   */
  headManifest(repository: string, reference: string, options?: ManifestRequestOptions): Promise<UpstreamManifestHead | undefined>;

  /**
   * A manifest's exact bytes by tag or digest; undefined on 404. 'protocol' when the body's hash
   * differs from the requested digest or the upstream's Docker-Content-Digest, or it is larger
   * than `maxManifestBytes`.
   */
  getManifest(repository: string, reference: string, options?: ManifestRequestOptions): Promise<UpstreamManifest | undefined>;

  /**
   * A blob's bytes, following redirects (object storage). Undefined on 404. Resolves once the
   * upstream has answered with the bytes' headers; failures before that are retried, failures
   * after that (while the caller reads) are not: the stream errors and the caller decides.
   */
  getBlob(repository: string, digest: string, options?: UpstreamRequestOptions): Promise<UpstreamBlob | undefined>;

  /** One page of tags (`n` at most, after `last`); undefined when the repository is unknown. */
  listTags(repository: string, page?: { n?: number; last?: string }, options?: UpstreamRequestOptions): Promise<TagPage | undefined>;

  /**
   * Checks that the URL is a registry and the credentials (if any) are accepted, without naming
   * a repository: what creating a proxy project should call. Throws an UpstreamError otherwise.
   */
  ping(options?: UpstreamRequestOptions): Promise<void>;

  /** Releases pooled connections; the client is unusable afterwards. */
  close(): Promise<void>;
}

/** Builds a client for one upstream; the composition root holds one per proxy project. */
export type OpenUpstream = (spec: UpstreamSpec) => UpstreamRegistry;

export type UpstreamErrorKind =
  /** 401/403: credentials missing, refused, or without pull rights. */
  | 'unauthorized'
  /** The URL answers, but not as a registry (no /v2/, no token realm). */
  | 'not-found'
  /** Connection refused or reset, DNS, TLS trust, 5xx after the retries. */
  | 'unavailable'
  /** 429 (or 503 with Retry-After) after the retries, or asking to wait longer than allowed. */
  | 'rate-limited'
  /** The upstream broke the protocol: wrong digest, oversized or malformed answer, bad redirect. */
  | 'protocol'
  /** No connection, headers or body bytes within the configured time, after the retries. */
  | 'timeout';

/**
 * Every failure of an UpstreamRegistry other than absence and abort. The message names the
 * upstream and the project using it and says what to do; `status` is the last HTTP status seen.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly kind: UpstreamErrorKind,
    /** The upstream's name (`docker.io`). */
    readonly upstream: string,
    message: string,
    readonly details: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get retryAfterSeconds(): number | undefined {
    return this.details.retryAfterSeconds;
  }
}
