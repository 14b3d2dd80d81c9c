/**
 * JSON request bodies for /api/v1. The app has no body parsers (the /v2 handlers stream), so
 * bodies are read here with a small cap. `Content-Type: application/json` is required: a
 * cross-site page cannot send it without a CORS preflight, which keeps a browser that holds
 * Basic credentials for the registry from being used to forge changes. Unknown fields are
 * refused so a misspelt one (`pasword`) is an error rather than silently ignored.
 */
import type { FastifyRequest } from 'fastify';
import { expiryFrom } from '../../core/access/lifetime.js';
import { InvalidInputError } from '../../core/errors.js';
import { readBody } from '../oci/read-body.js';

const MAX_BODY_BYTES = 64 * 1024;

export type JsonObject = Record<string, unknown>;

export async function readJsonObject(request: FastifyRequest, allowed: readonly string[]): Promise<JsonObject> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    request.raw.resume();
    throw new InvalidInputError('send the body as JSON with Content-Type: application/json', { contentType: type });
  }
  const bytes = await readBody(request.raw, MAX_BODY_BYTES, request.headers['content-length'], 'JSON request body');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidInputError(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError('the body must be a JSON object');
  const body = value as JsonObject;
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `unknown field(s): ${unknown.slice(0, 5).join(', ')}; ${allowed.length === 0 ? 'this request takes no fields' : `expected ${allowed.join(', ')}`}`,
      { allowed },
    );
  }
  return body;
}

export function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidInputError(`${key} must be a string`, { field: key });
  return value;
}

export function requiredString(body: JsonObject, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined) throw new InvalidInputError(`${key} is required`, { field: key });
  return value;
}

export function optionalBoolean(body: JsonObject, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InvalidInputError(`${key} must be true or false`, { field: key });
  return value;
}

export function requiredStrings(body: JsonObject, key: string): string[] {
  const value = body[key];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new InvalidInputError(`${key} must be an array of strings`, { field: key });
  }
  return value;
}

/** An expiry given as `expiresAt` (RFC 3339 time) or `expiresIn` (`90d`, `12h`), not both. */
export function optionalExpiry(body: JsonObject, now: Date): Date | undefined {
  const at = optionalString(body, 'expiresAt');
  const within = optionalString(body, 'expiresIn');
  if (at !== undefined && within !== undefined) throw new InvalidInputError('give expiresAt or expiresIn, not both');
  if (within !== undefined) return expiryFrom(within, now);
  if (at === undefined) return undefined;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw new InvalidInputError('expiresAt must be an RFC 3339 time, e.g. 2030-01-31T00:00:00Z', { expiresAt: at });
  return date;
}
