/**
 * What an operator gives to make a project a proxy, checked once: the upstream URL, optional
 * credentials, the tag TTL, and TLS trust. A proxy opens connections from the registry's
 * network to any address, so only system admins may set these (see proxy-admin.ts).
 */
import { InvalidInputError } from '../errors.js';

/** A cached tag is re-validated after a day unless the project says otherwise (registry:2's proxy.ttl default: 168h; Harbor: none). */
export const DEFAULT_TAG_TTL_SECONDS = 24 * 3600;
/** How long an upstream 404 is remembered. */
export const NEGATIVE_TTL_MS = 30_000;

export interface ProxyInput {
  url?: string;
  username?: string | null;
  password?: string | null;
  /** Seconds, or a duration such as `90s`, `30m`, `1h`, `7d`. */
  ttl?: string | number;
  ca?: string | null;
  skipVerify?: boolean;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseTtl(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 365 * 86400) return value;
  } else {
    const match = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
    if (match) {
      const seconds = Number(match[1]) * UNITS[match[2] || 's']!;
      if (seconds <= 365 * 86400) return seconds;
    }
  }
  throw new InvalidInputError(`proxy ttl ${JSON.stringify(value)} is not a duration (seconds, or e.g. 90s, 30m, 1h, 7d; at most 365d)`, { ttl: value });
}

/** An absolute http(s) URL without credentials, query or fragment; a bare host means https. */
export function normalizeUpstreamUrl(value: string): string {
  const text = value.trim();
  if (text === '') throw new InvalidInputError('proxy url is empty', { url: value });
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidInputError(`proxy url ${JSON.stringify(value)} is not a URL`, { url: value });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(`proxy url must be http or https, not ${url.protocol}`, { url: value });
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidInputError('proxy url must not carry credentials; give username and password separately', { url: `${url.protocol}//${url.host}` });
  }
  if (url.search !== '' || url.hash !== '') throw new InvalidInputError('proxy url must not have a query or fragment', { url: value });
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export function checkCa(pem: string): string {
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new InvalidInputError('proxy ca must be PEM certificates (-----BEGIN CERTIFICATE-----)');
  return pem;
}
