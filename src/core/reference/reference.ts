/**
 * Names, tags and digests, by the OCI distribution-spec grammar:
 *
 *   name      := component ( "/" component )*            (at most 255 characters in all)
 *   component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag       := [a-zA-Z0-9_] [a-zA-Z0-9._-]{0,127}
 *   digest    := algorithm ":" encoded
 *
 * Berth verifies content with sha256 and sha512 only; any other algorithm is refused rather
 * than stored unverified, because a digest we cannot recompute is not an address.
 */
import { DigestInvalidError, NameInvalidError, TagInvalidError } from '../errors.js';

const componentPattern = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const namePattern = new RegExp(`^${componentPattern}(?:/${componentPattern})*$`);
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const digestShape = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export const MAX_NAME_LENGTH = 255;

export type DigestAlgorithm = 'sha256' | 'sha512';
const encodedLength: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && namePattern.test(name);
}

export function assertName(name: string): string {
  if (!isValidName(name)) {
    throw new NameInvalidError(`invalid repository name "${truncate(name)}"`, {
      name: truncate(name),
      rule: 'lowercase components of [a-z0-9] joined by ".", "_", "__" or "-", separated by "/", at most 255 characters',
    });
  }
  return name;
}

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

export function assertTag(tag: string): string {
  if (!isValidTag(tag)) {
    throw new TagInvalidError(`invalid tag "${truncate(tag)}"`, {
      tag: truncate(tag),
      rule: '[a-zA-Z0-9_] followed by up to 127 of [a-zA-Z0-9._-]',
    });
  }
  return tag;
}

export function looksLikeDigest(reference: string): boolean {
  return reference.includes(':');
}

/**
 * Validates a manifest reference, which is a digest when it has a colon (tags cannot) and a
 * tag otherwise; says which it is.
 */
export function assertReference(reference: string): { byDigest: boolean } {
  const byDigest = looksLikeDigest(reference);
  if (byDigest) assertDigest(reference);
  else assertTag(reference);
  return { byDigest };
}

export function digestAlgorithm(digest: string): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

/** Validates a digest and returns it; throws DigestInvalidError naming what is wrong. */
export function assertDigest(digest: string): string {
  if (!digestShape.test(digest)) {
    throw new DigestInvalidError(`invalid digest "${truncate(digest)}"`, { digest: truncate(digest) });
  }
  const algorithm = digest.slice(0, digest.indexOf(':'));
  const encoded = digest.slice(algorithm.length + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new DigestInvalidError(`unsupported digest algorithm "${algorithm}"; use sha256 or sha512`, {
      digest: truncate(digest),
    });
  }
  if (encoded.length !== encodedLength[algorithm] || !/^[a-f0-9]+$/.test(encoded)) {
    throw new DigestInvalidError(`invalid ${algorithm} digest: expected ${encodedLength[algorithm]} lowercase hex characters`, {
      digest: truncate(digest),
    });
  }
  return digest;
}

function truncate(value: string): string {
  return value.length > 300 ? `${value.slice(0, 300)}…` : value;
}
