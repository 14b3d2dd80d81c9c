/** OpenAPI components of the web UI's read API (browse-json.ts), kept apart from the rest. */

const time = { type: 'string', format: 'date-time' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const bytes = { type: 'integer', minimum: 0, description: 'Bytes (compressed, as stored).' } as const;
const digest = { type: 'string', pattern: '^sha(256|512):[a-f0-9]+$' } as const;
const text = { type: 'string' } as const;
const nullable = (schema: object) => ({ oneOf: [{ type: 'null' }, schema] });
const strings = { type: 'array', items: text } as const;
const labels = { type: 'object', additionalProperties: text } as const;

function object(properties: Record<string, unknown>, required: string[] = Object.keys(properties), description?: string) {
  return { type: 'object', properties, required, additionalProperties: false, ...(description ? { description } : {}) };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const page = { total: { ...count, description: 'Matches in all pages.' }, page: { type: 'integer', minimum: 1 }, n: { type: 'integer', minimum: 1, maximum: 100 } };
const descriptionSource = { type: ['string', 'null'], enum: ['annotation', 'label', 'edited', null], description: 'Where the description comes from; null when there is none.' };
const platform = object({ os: text, architecture: text, variant: nullable(text), digest, size: bytes });

export function browseSchemas() {
  return {
    Overview: object({
      totalBytes: bytes,
      projects: {
        type: 'array',
        items: object({ name: text, public: { type: 'boolean' }, bytes, quotaBytes: nullable(bytes), repositories: count }),
        description: 'Projects the caller may pull from, by name.',
      },
      biggestRepositories: { type: 'array', items: object({ name: text, bytes, tagCount: count }), description: 'At most 10.' },
      recentPushes: { type: 'array', items: object({ repository: text, tag: text, digest, pushedAt: time }), description: 'At most 10, newest first.' },
      gc: { oneOf: [{ type: 'null' }, ref('GcStatus')], description: 'The collector status (system admins; null for everyone else).' },
    }),
    RepositoryItem: object({
      name: text,
      description: text,
      tagCount: count,
      bytes,
      lastPushedAt: nullable(time),
      stars: count,
      starred: { type: 'boolean', description: 'The caller starred it.' },
    }),
    RepositoryPage: object({ repositories: { type: 'array', items: ref('RepositoryItem') }, ...page }),
    RepositorySummary: object({
      name: text,
      project: text,
      description: text,
      descriptionSource,
      stars: count,
      starred: { type: 'boolean' },
      tagCount: count,
      bytes,
      lastPushedAt: nullable(time),
      pullCommand: object(
        { docker: text, podman: text },
        ['docker', 'podman'],
        'Naming `latest` when it exists, else the newest pushed tag.',
      ),
      canPush: { type: 'boolean' },
      canDelete: { type: 'boolean', description: 'Delete permission, and deletes enabled on this registry.' },
    }),
    Tag: object({
      tag: text,
      digest,
      mediaType: text,
      artifactType: nullable(text),
      size: { ...bytes, description: 'Manifest + config + layers; an index adds every child.' },
      pushedAt: time,
      lastPulledAt: nullable(time),
      platforms: { type: 'array', items: platform, description: 'An index’s platforms (attestation manifests left out); [] otherwise.' },
      signed: { type: 'boolean', description: 'A signature referrer (cosign, notation) or a cosign .sig tag.' },
      sbom: { type: 'boolean', description: 'An SPDX or CycloneDX referrer or a cosign .sbom tag.' },
      attestations: { type: 'boolean', description: 'An in-toto attestation referrer, a cosign .att tag or buildx attestation manifests.' },
    }),
    TagPage: object({ tags: { type: 'array', items: ref('Tag') }, ...page }),
    ManifestDetails: object({
      digest,
      mediaType: text,
      artifactType: nullable(text),
      size: bytes,
      tags: strings,
      raw: { type: 'string', description: 'The manifest exactly as pushed.' },
      platforms: { type: 'array', items: platform },
      config: nullable(
        object({
          digest,
          created: nullable(text),
          os: text,
          architecture: text,
          env: strings,
          entrypoint: nullable(strings),
          cmd: nullable(strings),
          workingDir: nullable(text),
          user: nullable(text),
          labels,
          exposedPorts: strings,
        }),
      ),
      layers: {
        type: 'array',
        items: object({
          digest,
          mediaType: text,
          size: bytes,
          createdBy: nullable(text),
          sharedWith: { ...strings, maxItems: 20, description: 'Other repositories the caller may pull whose images use this layer.' },
        }),
      },
      history: { type: 'array', items: object({ created: nullable(text), createdBy: nullable(text), emptyLayer: { type: 'boolean' }, comment: nullable(text) }) },
      referrers: {
        type: 'array',
        items: object({
          digest,
          artifactType: nullable(text),
          mediaType: text,
          size: bytes,
          kind: { type: 'string', enum: ['signature', 'sbom', 'attestation', 'other'] },
          annotations: labels,
        }),
      },
      subject: nullable(digest),
    }),
    DescriptionEdit: object({ description: { type: 'string', maxLength: 1000, description: '"" clears the edit.' } }),
    Description: object({ description: text, descriptionSource }),
    TagsToDelete: object({ tags: { type: 'array', items: text, minItems: 1, maxItems: 100 } }),
    TagsDeleted: object({ deleted: strings, notFound: strings, restorableUntil: time }),
  };
}
