/**
 * Upstream failures as the registry's own errors. The UpstreamError's message already names the
 * upstream and the project and says what to do; core keeps it and picks the kind the client sees.
 */
import { UpstreamError } from '../../ports/upstream-registry.js';
import { DeniedError, TooManyRequestsError, UnavailableError, type RegistryError } from '../errors.js';

export function upstreamFailure(error: unknown): unknown {
  if (!(error instanceof UpstreamError)) return error;
  const detail = { upstream: error.upstream, status: error.status, reason: error.kind };
  switch (error.kind) {
    case 'unauthorized':
      return new DeniedError(error.message, detail, { cause: error });
    case 'rate-limited':
      return new TooManyRequestsError(error.message, { ...detail, retryAfterSeconds: error.retryAfterSeconds }, { cause: error }) as RegistryError;
    default:
      return new UnavailableError(error.message, detail, { cause: error });
  }
}

/** Whether the failure is the upstream's (serve the cache instead) rather than an abort or a bug. */
export function isUpstreamFailure(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}
