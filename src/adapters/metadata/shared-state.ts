/**
 * The shared-state tables of migration 0018, and the notification queue of 0019, on the same
 * connection as the other stores.
 */
import type { Kysely } from 'kysely';
import { KyselyEventOutbox } from './kysely-event-outbox.js';
import { KyselyJobRuns } from './kysely-job-runs.js';
import { KyselyLoginThrottle } from './kysely-login-throttle.js';
import { KyselySigningKeys } from './kysely-signing-keys.js';
import { KyselyUploadLocks } from './kysely-upload-locks.js';
import { KyselyWebhookStore } from './kysely-webhook-store.js';
import type { Database } from './schema.js';

export interface SharedStateStores {
  throttle: KyselyLoginThrottle;
  signingKeys: KyselySigningKeys;
  jobs: KyselyJobRuns;
  uploadLocks: KyselyUploadLocks;
  outbox: KyselyEventOutbox;
  webhooks: KyselyWebhookStore;
}

export function sharedStateStores(db: Kysely<Database>): SharedStateStores {
  return {
    throttle: new KyselyLoginThrottle(db),
    signingKeys: new KyselySigningKeys(db),
    jobs: new KyselyJobRuns(db),
    uploadLocks: new KyselyUploadLocks(db),
    outbox: new KyselyEventOutbox(db),
    webhooks: new KyselyWebhookStore(db),
  };
}
