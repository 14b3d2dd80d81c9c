/**
 * The S3 client as this store needs it, plus the few ways of reading an SDK error.
 *
 * Settings that keep S3-compatible servers working (Ceph RGW in particular, all harmless on AWS):
 * checksums only when an operation requires one (newer SDKs otherwise send aws-chunked bodies
 * with a trailing CRC32, which Ceph 16 answers with 411), and a Content-MD5 header on
 * DeleteObjects, which some servers demand and the SDK no longer sends by itself.
 */
import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { BlobStoreFullError, BlobStoreUnavailableError } from '../../ports/blob-store.js';
import { STORE_NAME } from './s3-layout.js';

export interface S3ConnectionOptions {
  region: string;
  /** Non-AWS endpoint (registry:2's regionendpoint); undefined = AWS's own for the region. */
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  forcePathStyle?: boolean;
}

export function createS3Client(options: S3ConnectionOptions): S3Client {
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Retries are the SDK's (standard mode, 3 attempts); a dead endpoint fails within seconds.
    maxAttempts: 3,
  };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.accessKey !== undefined && options.secretKey !== undefined) {
    config.credentials = { accessKeyId: options.accessKey, secretAccessKey: options.secretKey };
  }
  // The SDK warns at every start that its future releases need Node 22; Berth pins a release
  // that supports Node 20, so the warning only tells an operator to do something they need not.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const client = new S3Client(config);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      if (context.commandName === 'DeleteObjectsCommand' && typeof request.body === 'string' && request.headers) {
        request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'berthDeleteObjectsContentMd5' },
  );
  // Outermost, so it sees what is left after the SDK's own retries: an endpoint that cannot be
  // reached or keeps answering 5xx is the port's "unavailable" (a 503 to clients), not a 500.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw isOutage(error) ? new BlobStoreUnavailableError(STORE_NAME, { cause: error }) : error;
      }
    },
    { step: 'initialize', name: 'berthUnavailable' },
  );
  return client;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** No answer at all (a refused or dropped connection, a timeout), or a server-side 5xx. */
function isOutage(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined && status >= 500) return true;
  const e = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  if (e === null || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  return status === undefined && (e.name === 'TimeoutError' || e.name === 'RequestTimeout');
}

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function sdkError(error: unknown): SdkError {
  return typeof error === 'object' && error !== null ? (error as SdkError) : {};
}

export function statusOf(error: unknown): number | undefined {
  return sdkError(error).$metadata?.httpStatusCode;
}

export function codeOf(error: unknown): string | undefined {
  const e = sdkError(error);
  return e.Code ?? e.name;
}

export function isNotFound(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchUpload' || statusOf(error) === 404;
}

export function isPreconditionFailed(error: unknown): boolean {
  return statusOf(error) === 412 || codeOf(error) === 'PreconditionFailed';
}

export function isInvalidRange(error: unknown): boolean {
  return statusOf(error) === 416 || codeOf(error) === 'InvalidRange';
}

/** A quota refusal is "the store is full" to callers; anything else passes through. */
export function whenFull(error: unknown): unknown {
  const code = codeOf(error);
  if (code === 'QuotaExceeded' || code === 'EntityTooLarge') return new BlobStoreFullError(STORE_NAME, { cause: error });
  return error;
}

/** One line saying why the bucket cannot be used, for start-up and /readyz. */
export function describeBucketError(bucket: string, endpoint: string | undefined, thrown: unknown): string {
  const error = thrown instanceof BlobStoreUnavailableError ? thrown.cause : thrown;
  const where = `bucket ${JSON.stringify(bucket)} at ${endpoint ?? 'AWS S3'}`;
  const status = statusOf(error);
  const code = codeOf(error);
  if (status === 404 || code === 'NoSuchBucket' || code === 'NotFound') return `${where} does not exist (create it first)`;
  if (status === 403 || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'AccessDenied') {
    return `${where} refused the credentials (check storage.s3.accesskey and secretkey): ${code ?? status}`;
  }
  if (status === 301 || code === 'PermanentRedirect') return `${where} is in another region (check storage.s3.region)`;
  const message = error instanceof Error ? error.message : String(error);
  return `${where} is unreachable: ${code && code !== 'Error' ? `${code}: ` : ''}${message}`;
}
