/**
 * What a referrer (or a cosign tag) is, for the UI's markers: a signature, an SBOM, an
 * attestation, or something else. Judged from the artifact type (or, for artifacts without
 * one, the config media type the store records in its place), because that is all a registry
 * can see without reading the artifact.
 */
export type ReferrerKind = 'signature' | 'sbom' | 'attestation' | 'other';

const SIGNATURES = [
  'application/vnd.dev.cosign.artifact.sig.v1+json',
  'application/vnd.dev.cosign.simplesigning.v1+json',
  'application/vnd.cncf.notary.signature',
  'application/vnd.dev.sigstore.bundle',
];
const SBOM = /spdx|cyclonedx|syft|vnd\.dev\.cosign\.artifact\.sbom/i;
const ATTESTATION = /in-toto|dsse\.envelope|vnd\.dev\.cosign\.artifact\.att|attestation/i;

export function referrerKind(artifactType: string | undefined): ReferrerKind {
  if (artifactType === undefined) return 'other';
  if (SIGNATURES.some((type) => artifactType.startsWith(type))) return 'signature';
  if (SBOM.test(artifactType)) return 'sbom';
  if (ATTESTATION.test(artifactType)) return 'attestation';
  return 'other';
}

/**
 * cosign's tag scheme (its default before OCI referrers): `sha256-<hex>.sig`, `.att` and
 * `.sbom` tags next to the image they describe.
 */
export function cosignTags(digest: string): Record<'signature' | 'attestation' | 'sbom', string> | undefined {
  const match = /^(sha256|sha512):([0-9a-f]+)$/.exec(digest);
  if (match === null) return undefined;
  const base = `${match[1]}-${match[2]}`;
  // Tags are at most 128 characters: a sha512 digest's tag would be longer, so cosign has none.
  if (base.length + 5 > 128) return undefined;
  return { signature: `${base}.sig`, attestation: `${base}.att`, sbom: `${base}.sbom` };
}

export interface Marks {
  signed: boolean;
  sbom: boolean;
  attestations: boolean;
}

export function marksOf(kinds: Iterable<ReferrerKind>): Marks {
  const marks: Marks = { signed: false, sbom: false, attestations: false };
  for (const kind of kinds) {
    if (kind === 'signature') marks.signed = true;
    if (kind === 'sbom') marks.sbom = true;
    if (kind === 'attestation') marks.attestations = true;
  }
  return marks;
}
