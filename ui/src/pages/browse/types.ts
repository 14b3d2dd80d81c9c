/** The read API's wire shapes (docs: src/http/api/openapi-browse-schemas.ts), as the pages use them. */

export interface Platform {
  os: string;
  architecture: string;
  variant: string | null;
  digest: string;
  size: number;
}

export interface GcSummary {
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  manifestsRemoved: number;
  blobsRemoved: number;
  repositoriesRemoved: number;
  bytesFreed: number;
}

export interface GcStatus {
  running: { phase: string; startedAt: string; dryRun: boolean; progress: { phase: string; done: number; total: number; bytesFreed: number } | null } | null;
  elsewhere: { pid: number | null; host: string | null; startedAt: string | null; heartbeatAt: string | null } | null;
  interrupted: { message: string; stoppedAt: string | null; cleanedAt: string | null } | null;
  last: GcSummary | null;
}

export interface Overview {
  totalBytes: number;
  projects: Array<{ name: string; public: boolean; bytes: number; quotaBytes: number | null; repositories: number }>;
  biggestRepositories: Array<{ name: string; bytes: number; tagCount: number }>;
  recentPushes: Array<{ repository: string; tag: string; digest: string; pushedAt: string }>;
  gc: GcStatus | null;
}

export interface Project {
  name: string;
  visibility: 'public' | 'private';
  createdAt: string;
  role?: string;
  kind?: 'hosted' | 'proxy' | 'group';
  proxy?: { url: string; upstream: string; username?: string; hasPassword: boolean; ttlSeconds: number };
  group?: { members: string[]; pushTo?: string };
}

export interface RepositoryItem {
  name: string;
  description: string;
  tagCount: number;
  bytes: number;
  lastPushedAt: string | null;
  stars: number;
  starred: boolean;
}

export interface Paged {
  total: number;
  page: number;
  n: number;
}

export interface RepositoryPage extends Paged {
  repositories: RepositoryItem[];
}

export interface RepositorySummary {
  name: string;
  project: string;
  description: string;
  descriptionSource: 'annotation' | 'label' | 'edited' | null;
  stars: number;
  starred: boolean;
  tagCount: number;
  bytes: number;
  lastPushedAt: string | null;
  pullCommand: { docker: string; podman: string };
  canPush: boolean;
  canDelete: boolean;
}

export interface Tag {
  tag: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  size: number;
  pushedAt: string;
  lastPulledAt: string | null;
  platforms: Platform[];
  signed: boolean;
  sbom: boolean;
  attestations: boolean;
}

export interface TagPage extends Paged {
  tags: Tag[];
}

export interface DeletedTag {
  tag: string;
  digest: string;
  deletedAt: string;
}

export interface ManifestDetails {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  size: number;
  tags: string[];
  raw: string;
  platforms: Platform[];
  config: {
    digest: string;
    created: string | null;
    os: string;
    architecture: string;
    env: string[];
    entrypoint: string[] | null;
    cmd: string[] | null;
    workingDir: string | null;
    user: string | null;
    labels: Record<string, string>;
    exposedPorts: string[];
  } | null;
  layers: Array<{ digest: string; mediaType: string; size: number; createdBy: string | null; sharedWith: string[] }>;
  history: Array<{ created: string | null; createdBy: string | null; emptyLayer: boolean; comment: string | null }>;
  referrers: Array<{ digest: string; artifactType: string | null; mediaType: string; size: number; kind: 'signature' | 'sbom' | 'attestation' | 'other'; annotations: Record<string, string> }>;
  subject: string | null;
}

export interface SearchResults {
  num_results: number;
  num_pages: number;
  page: number;
  page_size: number;
  query: string;
  results: Array<{ name: string; description: string; star_count: number }>;
}
