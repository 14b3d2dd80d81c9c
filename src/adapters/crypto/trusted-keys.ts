/**
 * Public keys of an external token issuer, from a PEM certificate bundle (Distribution's
 * rootcertbundle) and/or a JWKS file. Keyed by kid where the source names one; certificates
 * are keyed by their position, as the verifier tries every trusted key when a kid is unknown.
 */
import { X509Certificate, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export async function loadTrustedKeys(rootCertBundle: string | undefined, jwks: string | undefined): Promise<Map<string, KeyObject>> {
  const keys = new Map<string, KeyObject>();
  if (rootCertBundle) {
    const pem = await readFile(rootCertBundle, 'utf8');
    const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (certificates.length === 0) throw new Error(`${rootCertBundle}: no PEM certificates found`);
    certificates.forEach((certificate, index) => keys.set(`cert-${index}`, new X509Certificate(certificate).publicKey));
  }
  if (jwks) {
    const document = JSON.parse(await readFile(jwks, 'utf8')) as { keys?: (JsonWebKey & { kid?: string })[] };
    if (!Array.isArray(document.keys)) throw new Error(`${jwks}: not a JWKS document (no "keys" array)`);
    document.keys.forEach((jwk, index) => keys.set(jwk.kid ?? `jwk-${index}`, createPublicKey({ key: jwk, format: 'jwk' })));
  }
  return keys;
}
