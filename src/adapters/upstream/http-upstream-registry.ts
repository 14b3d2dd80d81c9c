/**
 * UpstreamRegistry over HTTP(S): the Distribution API's read side — manifests (HEAD and GET),
 * blobs, tags, /v2/ — with every answer checked before it is believed (see the port for the
 * contract). Authentication, redirects and retries live in UpstreamExchange; connections,
 * TLS and timeouts in HttpTransport.
 *
 * Why Node's http/https and not fetch (undici): a per-upstream CA bundle or skip-verify needs a
 * dispatcher option that Node 20 only exposes through the separate `undici` package, and fetch
 * has a single overall abort where an upstream needs three timeouts (connect, headers, idle
 * body) that mean different things to the operator. http.Agent gives both, pooled, with no
 * dependency.
 */
import { createHash } from 'node:crypto';
import {
  UpstreamError,
  type ManifestRequestOptions,
  type OpenUpstream,
  type TagPage,
  type UpstreamBlob,
  type UpstreamManifest,
  type UpstreamManifestHead,
  type UpstreamRegistry,
  type UpstreamRequestOptions,
  type UpstreamSpec,
} from '../../ports/upstream-registry.js';
import { discard, HttpTransport, readLimited } from './http-transport.js';
import { DEFAULT_RETRY } from './retry-policy.js';
import { verifiedBlob } from './verified-blob.js';
import { TokenCache } from './token-cache.js';
import * as messages from './upstream-messages.js';
import { UpstreamExchange, type ExchangeResponse } from './upstream-exchange.js';
import { upstreamAddress, upstreamRepository, type UpstreamAddress } from './upstream-names.js';

export const DEFAULT_TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, idleMs: 60_000 };
export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A tag list is a name per line of JSON; 16 MiB is some 300,000 tags a page. */
const MAX_TAG_PAGE_BYTES = 16 * 1024 * 1024;

export const DEFAULT_MANIFEST_ACCEPT: readonly string[] = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** Content types that say nothing about which manifest this is; the body's mediaType decides. */
const GENERIC_TYPES = new Set(['', 'application/json', 'text/plain', 'application/octet-stream']);

export const openHttpUpstream: OpenUpstream = (spec) => new HttpUpstreamRegistry(spec);

export class HttpUpstreamRegistry implements UpstreamRegistry {
  readonly name: string;
  private readonly address: UpstreamAddress;
  private readonly who: messages.Who;
  private readonly transport: HttpTransport;
  private readonly exchange: UpstreamExchange;
  private readonly maxManifestBytes: number;

  constructor(spec: UpstreamSpec) {
    this.address = upstreamAddress(spec.url);
    this.name = this.address.name;
    const origin = new URL(this.address.origin);
    const credentials = spec.username !== undefined && spec.username !== '' ? { username: spec.username, password: spec.password ?? '' } : undefined;
    this.who = { upstream: this.name, host: origin.host, label: spec.label ?? `the proxy of ${this.name}`, hasCredentials: credentials !== undefined };
    this.transport = new HttpTransport({ ca: spec.ca, skipVerify: spec.skipVerify }, { ...DEFAULT_TIMEOUTS, ...spec.timeouts });
    this.maxManifestBytes = spec.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    this.exchange = new UpstreamExchange({
      origin,
      who: this.who,
      credentials,
      transport: this.transport,
      tokens: new TokenCache(),
      retry: { ...DEFAULT_RETRY, ...spec.retry },
    });
  }

  async headManifest(repository: string, reference: string, options: ManifestRequestOptions = {}): Promise<UpstreamManifestHead | undefined> {
    const response = await this.manifestRequest('HEAD', repository, reference, options);
    if (!response) return undefined;
    discard(response.body);
    const claimed = header(response.headers['docker-content-digest']);
    const mediaType = contentType(response.headers['content-type']);
    const size = Number(header(response.headers['content-length']));
    // Without a digest (or a type, or a size) the HEAD says too little: ask for the body.
    if (!claimed || GENERIC_TYPES.has(mediaType) || !Number.isSafeInteger(size)) {
      const manifest = await this.getManifest(repository, reference, options);
      return manifest && { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.body.length };
    }
    if (!DIGEST.test(claimed)) throw messages.protocol(this.who, `sent an unusable Docker-Content-Digest (${JSON.stringify(claimed)}) for ${this.manifestWhat(repository, reference)}`);
    if (isDigest(reference) && claimed !== reference) {
      throw messages.protocol(this.who, `answered ${this.manifestWhat(repository, reference)} with digest ${claimed}`);
    }
    if (size > this.maxManifestBytes) throw this.oversized(repository, reference, size);
    return { digest: claimed, mediaType, size };
  }

  async getManifest(repository: string, reference: string, options: ManifestRequestOptions = {}): Promise<UpstreamManifest | undefined> {
    const response = await this.manifestRequest('GET', repository, reference, options);
    if (!response) return undefined;
    const what = this.manifestWhat(repository, reference);
    const announced = Number(header(response.headers['content-length']));
    if (Number.isSafeInteger(announced) && announced > this.maxManifestBytes) {
      response.body.destroy();
      throw this.oversized(repository, reference, announced);
    }
    let body: Buffer | undefined;
    try {
      body = await readLimited(response.body, this.maxManifestBytes);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new UpstreamError('unavailable', this.name, `${this.name} broke off ${what} for ${this.who.label}: try again`, { cause: error });
    }
    if (!body) {
      response.body.destroy();
      throw this.oversized(repository, reference, undefined);
    }
    const claimed = header(response.headers['docker-content-digest']);
    if (claimed !== undefined && !DIGEST.test(claimed)) throw messages.protocol(this.who, `sent an unusable Docker-Content-Digest (${JSON.stringify(claimed)}) for ${what}`);
    const expected = isDigest(reference) ? reference : claimed;
    const digest = digestOf(body, expected?.split(':')[0] ?? 'sha256');
    if (isDigest(reference) && digest !== reference) throw messages.protocol(this.who, `sent a body for ${what} that hashes to ${digest}`);
    if (claimed !== undefined && claimed !== digestOf(body, claimed.split(':')[0] ?? 'sha256')) {
      throw messages.protocol(this.who, `sent a body for ${what} that does not match its own Docker-Content-Digest ${claimed}`);
    }
    return { digest, mediaType: this.mediaTypeOf(response, body, what), body };
  }

  async getBlob(repository: string, digest: string, options: UpstreamRequestOptions = {}): Promise<UpstreamBlob | undefined> {
    assertDigest(digest);
    const name = upstreamRepository(this.address, repository);
    const what = `blob ${name}@${digest}`;
    const response = await this.exchange.send({
      method: 'GET',
      path: `/v2/${name}/blobs/${digest}`,
      scope: pullScope(name),
      followRedirects: true,
      what,
      signal: options.signal,
    });
    if (response.status === 404) {
      discard(response.body);
      return undefined;
    }
    const length = Number(header(response.headers['content-length']));
    const size = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    return { size, body: verifiedBlob(response.body, digest, size, this.who, what, options.signal) };
  }

  async listTags(repository: string, page: { n?: number; last?: string } = {}, options: UpstreamRequestOptions = {}): Promise<TagPage | undefined> {
    const name = upstreamRepository(this.address, repository);
    const query = new URLSearchParams();
    if (page.n !== undefined) query.set('n', String(page.n));
    if (page.last !== undefined) query.set('last', page.last);
    const what = `the tags of ${name}`;
    const response = await this.exchange.send({
      method: 'GET',
      path: `/v2/${name}/tags/list${query.size > 0 ? `?${query}` : ''}`,
      scope: pullScope(name),
      headers: { accept: 'application/json' },
      followRedirects: true,
      what,
      signal: options.signal,
    });
    if (response.status === 404) {
      discard(response.body);
      return undefined;
    }
    const body = await readLimited(response.body, MAX_TAG_PAGE_BYTES);
    if (!body) {
      response.body.destroy();
      throw messages.protocol(this.who, `sent a page of ${what} over ${MAX_TAG_PAGE_BYTES} bytes`);
    }
    let tags: unknown;
    try {
      tags = (JSON.parse(body.toString('utf8')) as { tags?: unknown }).tags ?? [];
    } catch (error) {
      throw messages.protocol(this.who, `sent ${what} as something other than JSON`, error);
    }
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw messages.protocol(this.who, `sent ${what} without a list of names`);
    return { tags, next: nextLast(header(response.headers.link)) };
  }

  async ping(options: UpstreamRequestOptions = {}): Promise<void> {
    const response = await this.exchange.send({ method: 'GET', path: '/v2/', scope: undefined, followRedirects: true, what: 'its /v2/ API', signal: options.signal });
    discard(response.body);
    if (response.status === 404) throw messages.notARegistry(this.who, 404, `${this.address.origin}/v2/`);
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  private async manifestRequest(method: 'GET' | 'HEAD', repository: string, reference: string, options: ManifestRequestOptions): Promise<ExchangeResponse | undefined> {
    if (reference.includes(':')) assertDigest(reference);
    else if (!TAG.test(reference)) throw new TypeError(`not a tag: ${JSON.stringify(reference)}`);
    const name = upstreamRepository(this.address, repository);
    const response = await this.exchange.send({
      method,
      path: `/v2/${name}/manifests/${reference}`,
      scope: pullScope(name),
      headers: { accept: (options.accept ?? DEFAULT_MANIFEST_ACCEPT).join(', ') },
      followRedirects: true,
      what: this.manifestWhat(repository, reference),
      signal: options.signal,
    });
    if (response.status === 404) {
      discard(response.body);
      return undefined;
    }
    return response;
  }

  private mediaTypeOf(response: ExchangeResponse, body: Buffer, what: string): string {
    const declared = contentType(response.headers['content-type']);
    if (!GENERIC_TYPES.has(declared)) return declared;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw messages.protocol(this.who, `sent ${what} that is not JSON`, error);
    }
    const mediaType = (parsed as { mediaType?: unknown } | null)?.mediaType;
    if (typeof mediaType !== 'string' || mediaType === '') throw messages.protocol(this.who, `sent ${what} without a media type (no Content-Type, no mediaType field)`);
    return mediaType;
  }

  private manifestWhat(repository: string, reference: string): string {
    const name = upstreamRepository(this.address, repository);
    return `manifest ${name}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  private oversized(repository: string, reference: string, size: number | undefined): UpstreamError {
    const actual = size === undefined ? 'more than' : `${size} bytes, over`;
    return messages.protocol(this.who, `sent ${this.manifestWhat(repository, reference)} of ${actual} the ${this.maxManifestBytes}-byte limit for manifests`);
  }
}

function pullScope(name: string): string {
  return `repository:${name}:pull`;
}

function isDigest(reference: string): boolean {
  return reference.includes(':');
}

function assertDigest(digest: string): void {
  // A caller's mistake, not the upstream's: core validates references before asking.
  if (!DIGEST.test(digest)) throw new TypeError(`not a sha256 or sha512 digest: ${JSON.stringify(digest)}`);
}

function digestOf(body: Buffer, algorithm: string): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function contentType(value: string | string[] | undefined): string {
  return (header(value) ?? '').split(';')[0]!.trim().toLowerCase();
}

/** `Link: </v2/x/tags/list?last=b&n=2>; rel="next"` → `b`. */
function nextLast(link: string | undefined): string | undefined {
  const target = link && /<([^>]*)>\s*;\s*rel="?next"?/.exec(link)?.[1];
  if (!target) return undefined;
  return new URL(target, 'http://upstream.invalid').searchParams.get('last') ?? undefined;
}
