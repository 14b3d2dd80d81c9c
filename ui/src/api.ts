/**
 * The one way the UI talks to the server: same-origin fetch with the session cookie, the CSRF
 * token on every state-changing request, and errors turned into a readable ApiError from the
 * OCI envelope ({errors:[{code,message,detail}]}). A 401 sends the user to the sign-in page.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Do not redirect to sign-in on 401 (the sign-in form itself, the session probe). */
  allowUnauthorized?: boolean;
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Kept by the session context from POST/GET /api/v1/session. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when the server says the session is gone (set once by the app). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** A path segment: repository names contain slashes and travel percent-encoded (`team%2Fapp`). */
export const enc = encodeURIComponent;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

async function freshCsrfToken(): Promise<string | null> {
  const response = await fetch('/api/v1/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) return null;
  const body = (await response.json()) as { csrfToken?: string };
  csrfToken = body.csrfToken ?? null;
  return csrfToken;
}

/** The message a person should read, from whatever the server (or the network) said. */
async function errorFrom(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `The server answered ${response.status}`;
  let detail: unknown;
  try {
    const body = (await response.json()) as { errors?: Array<{ code?: string; message?: string; detail?: unknown }> };
    const first = body.errors?.[0];
    if (first) {
      code = first.code ?? code;
      message = first.message || message;
      detail = first.detail;
    }
  } catch {
    // Not JSON (a proxy's error page): the status line is all there is.
  }
  return new ApiError(response.status, code, message, detail);
}

function isCsrfRefusal(error: ApiError): boolean {
  return error.status === 403 && /csrf/i.test(error.message);
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') {
      const token = csrfToken ?? (await freshCsrfToken());
      if (token) headers['X-CSRF-Token'] = token;
    }
    try {
      return await fetch(withQuery(path, options.query), {
        method,
        headers,
        credentials: 'same-origin',
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError(0, 'NETWORK', 'Cannot reach the registry: check your connection and try again.');
    }
  };

  let response = await send();
  if (!response.ok) {
    let error = await errorFrom(response);
    // The token rotates with the session (a sign-in in another tab): fetch it once more and retry.
    if (method !== 'GET' && isCsrfRefusal(error) && (await freshCsrfToken())) {
      response = await send();
      error = response.ok ? error : await errorFrom(response);
    }
    if (!response.ok) {
      if (error.status === 401 && !options.allowUnauthorized) onUnauthorized?.();
      throw error;
    }
  }
  if (response.status === 204 || response.headers.get('content-length') === '0') return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: 'POST', body }),
  put: <T>(path: string, body?: unknown) => request<T>(path, { method: 'PUT', body }),
  patch: <T>(path: string, body?: unknown) => request<T>(path, { method: 'PATCH', body }),
  delete: <T = void>(path: string, body?: unknown) => request<T>(path, { method: 'DELETE', body }),
};

/** A readable sentence for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
