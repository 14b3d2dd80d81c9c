/**
 * Per-project webhooks (migration 0020). The secret is kept only as a SecretBox sealed it
 * (ports/secret-box.ts); callers never get it back through the management API.
 */
export interface WebhookRecord {
  id: number;
  project: string;
  url: string;
  /** Harbor event types, e.g. PUSH_ARTIFACT. */
  events: readonly string[];
  sealedSecret: string;
  enabled: boolean;
  createdAt: number;
}

export type WebhookChange = Partial<Pick<WebhookRecord, 'url' | 'events' | 'sealedSecret' | 'enabled'>>;

export interface WebhookStore {
  /** Every webhook, or a project's, by id. */
  list(project?: string): Promise<WebhookRecord[]>;
  get(project: string, id: number): Promise<WebhookRecord | undefined>;
  create(input: Omit<WebhookRecord, 'id'>): Promise<WebhookRecord>;
  /** False when the project has no such webhook. */
  update(project: string, id: number, change: WebhookChange): Promise<boolean>;
  remove(project: string, id: number): Promise<boolean>;
}
