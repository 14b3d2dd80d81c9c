/**
 * Compact JWS tokens (RFC 7515/7519) signed with ES256 or RS256, using node:crypto only.
 * Berth signs its own tokens with ES256; verification also accepts RS256 so an external
 * issuer's tokens (Distribution's auth.token) can be checked with the same code.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

export interface JwtClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  [claim: string]: unknown;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** A stable key id: the base64url SHA-256 of the public key's DER, shortened. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 22);
}

export function signJwt(claims: JwtClaims, key: SigningKey): string {
  const header = { alg: 'ES256', typ: 'JWT', kid: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

export interface VerifyOptions {
  /** Public keys by kid; a token without kid is tried against each. */
  keys: ReadonlyMap<string, KeyObject>;
  audience: string;
  issuer: string;
  nowSeconds: number;
  /** Tolerated clock skew between issuer and registry. */
  leewaySeconds?: number;
}

/** Verifies signature, issuer, audience and lifetime; throws UnauthorizedError naming the flaw. */
export function verifyJwt(token: string, options: VerifyOptions): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(headerPart) as { alg?: unknown; kid?: unknown };
  const algorithm = header.alg === 'ES256' ? 'ES256' : header.alg === 'RS256' ? 'RS256' : undefined;
  if (!algorithm) throw invalid(`unsupported token algorithm ${JSON.stringify(header.alg)}`);
  // A kid we know picks its key; otherwise every trusted key is tried, because issuers spell
  // key ids differently (libtrust fingerprints, JWKS ids, none) and all of them are trusted.
  const known = typeof header.kid === 'string' ? options.keys.get(header.kid) : undefined;
  const candidates = known ? [known] : [...options.keys.values()];
  if (candidates.length === 0) throw invalid('token signed by an unknown key');
  const input = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  const valid = candidates.some((key) =>
    algorithm === 'ES256'
      ? key.asymmetricKeyType === 'ec' && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : key.asymmetricKeyType === 'rsa' && verify('sha256', input, key, signature),
  );
  if (!valid) throw invalid('token signature is invalid');
  const claims = parseJson(payloadPart) as Partial<JwtClaims>;
  const leeway = options.leewaySeconds ?? 30;
  if (claims.iss !== options.issuer) throw invalid('token issuer is not trusted');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(options.audience)) throw invalid('token audience does not match this registry');
  if (typeof claims.exp !== 'number' || claims.exp + leeway < options.nowSeconds) throw invalid('token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf - leeway > options.nowSeconds) throw invalid('token is not valid yet');
  if (typeof claims.sub !== 'string') throw invalid('token has no subject');
  return claims as JwtClaims;
}

function parseJson(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through: reported as malformed below
  }
  throw invalid('malformed token');
}

function invalid(message: string) {
  return new UnauthorizedError(message, { reason: message });
}
