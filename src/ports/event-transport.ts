/**
 * Sends one notification request. The adapter follows no redirect (a 3xx is a failure: the
 * listener's URL is the one configured), reads at most a small, capped part of the response,
 * and gives up after `timeoutMs`.
 */
export interface TransportRequest {
  url: string;
  headers: Readonly<Record<string, string | readonly string[]>>;
  body: string;
  timeoutMs: number;
}

export interface TransportResult {
  /** HTTP status; 0 when no response came. */
  status: number;
  latencyMs: number;
  /** Why no usable response came (connection refused, timeout); undefined otherwise. */
  error?: string;
}

export interface EventTransport {
  post(request: TransportRequest, options?: { signal?: AbortSignal }): Promise<TransportResult>;
}
