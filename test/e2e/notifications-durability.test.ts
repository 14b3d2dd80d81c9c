/**
 * The notification queue is durable: with the listener down, events wait in the metadata store
 * through a SIGKILL and a SIGTERM restart of Berth, and reach the listener in order, each once,
 * when it comes back; the delivery log records the failed attempts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { startEventListener, type EventListener } from '../support/event-listener.js';
import { execFileSync } from 'node:child_process';
import { berthCli, berthNodeFlags, startBerth, type RegistryProcess } from '../support/registry-process.js';
import { containersTools } from './support/containers-tools.js';
import type { Target } from './support/registry-under-test.js';
import { createWorkspace, type Workspace } from './support/workspace.js';

const endpoints = (url: string) => `- name: listener\n  url: ${url}\n  timeout: 1s\n  threshold: 2\n  backoff: 100ms\n`;

describe('registry:2 notifications survive an endpoint outage and Berth restarts', () => {
  let ws: Workspace;
  let listener: EventListener;
  let berth: RegistryProcess | undefined;

  before(async () => {
    ws = await createWorkspace('notify-durable');
    listener = await startEventListener();
  });
  after(async () => {
    await berth?.stop().catch(() => undefined);
    await listener?.stop();
    await ws?.cleanup();
  });

  it('delivers every queued event in order after the listener returns', async () => {
    await listener.stop();
    const env = { REGISTRY_NOTIFICATIONS_ENDPOINTS: endpoints(`${listener.url}/hook`) };
    berth = await startBerth({ env });
    const root = berth.root;
    const port = berth.port;
    const tools = await containersTools(ws.subdir('tools'), { transport: 'plain', host: berth.host, ca: undefined } as Target);
    const { single } = ws.images;
    const push = (tag: string) =>
      tools.skopeo(['copy', '--quiet', '--preserve-digests', `oci:${single.dir}:${single.ref}`, `docker://${berth!.host}/e2e/app:${tag}`]);

    await push('v1');
    // Queued within the notifier's 50 ms batch window; then the process dies without warning.
    await new Promise((r) => setTimeout(r, 500));
    await berth.stop({ signal: 'SIGKILL', keepData: true });

    berth = await startBerth({ env, root, port });
    await push('v2');
    // A graceful stop writes what is still in the batch window before exiting.
    await berth.stop({ keepData: true });

    berth = await startBerth({ env, root, port });
    await new Promise((r) => setTimeout(r, 1500));
    const db = new Database(join(root, 'berth.db'), { readonly: true });
    let failures: Array<{ status: number; attempt: number; error: string | null }>;
    try {
      failures = db.prepare('select status, attempt, error from event_deliveries order by id').all() as typeof failures;
      const pending = (db.prepare('select count(*) as n from event_outbox').get() as { n: number }).n;
      // v1: four blob pushes and the manifest's; v2: skopeo HEADs the four blobs (pulls, as
      // registry:2 counts them) and pushes the manifest.
      assert.equal(pending, 10, 'every event waits in the queue');
    } finally {
      db.close();
    }
    assert.ok(failures.length >= 2, 'failed attempts are logged');
    assert.ok(failures.every((f) => f.status === 0 && f.error !== null));

    await listener.start();
    const events = await listener.waitFor('/hook', 10);
    await listener.settle(1000);
    assert.equal(listener.events('/hook').length, 10, 'each event once');
    const summary = events.map((e) => `${e.action} ${e.request.method} ${e.target.tag ?? 'blob'}`);
    assert.deepEqual(summary, [
      ...Array(4).fill('push PUT blob'),
      'push PUT v1',
      ...Array(4).fill('pull HEAD blob'),
      'push PUT v2',
    ]);
    assert.equal(new Set(events.slice(0, 4).map((e) => e.target.digest)).size, 4);
    // Timestamps say the order too: the queue kept it.
    const times = events.map((e) => e.timestamp as string);
    assert.deepEqual([...times].sort(), times);

    // The operator's view: nothing waits any more, and the log shows the failures and the success.
    await new Promise((r) => setTimeout(r, 500));
    const out = execFileSync(process.execPath, [...berthNodeFlags, berthCli, 'notifications', '--json', '--limit', '1000'], {
      env: { ...process.env, ...env, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: root, REGISTRY_AUTH: 'none', REGISTRY_LOG_LEVEL: 'error' },
      encoding: 'utf8',
    });
    const [endpoint] = JSON.parse(out) as Array<{ name: string; pending: number; deliveries: Array<{ status: number; attempt: number; latencyMs: number }> }>;
    assert.equal(endpoint.name, 'listener');
    assert.equal(endpoint.pending, 0);
    assert.equal(endpoint.deliveries[0].status, 200, 'the newest delivery succeeded');
    assert.ok(endpoint.deliveries[0].attempt > 1, 'after failed attempts');
    assert.ok(endpoint.deliveries.slice(1).every((d) => d.status === 0));
  });
});
