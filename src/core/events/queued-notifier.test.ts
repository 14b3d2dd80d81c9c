/**
 * The notifier's rules without a database: each endpoint gets only the actions and media types
 * it did not ignore, the events of one window reach the queue in one write and in order,
 * references are listed only when asked for, a failed write keeps the batch for the next, and
 * the retry delays follow registry:2's threshold then double up to the cap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOutbox, OutboxItem } from '../../ports/event-outbox.js';
import { MAX_BACKOFF_MS, QUICK_RETRY_MS, retryDelayMs, type EndpointRules } from './endpoint-rules.js';
import { QueuedNotifier } from './queued-notifier.js';
import type { EventInput } from './registry-event.js';

const rules = (name: string, extra: Partial<EndpointRules> = {}): EndpointRules => ({
  name,
  url: 'http://listener.invalid/',
  headers: {},
  timeoutMs: 1000,
  threshold: 3,
  backoffMs: 1000,
  ignoredMediaTypes: new Set(),
  ignoredActions: new Set(),
  ...extra,
});

const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 2, digest: 'sha256:c' },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 9, digest: 'sha256:l' }],
  }),
);

const input = (action: EventInput['action'], mediaType: string, tag?: string): EventInput => ({
  action,
  target: { mediaType, size: 1, digest: 'sha256:d', length: 1, repository: 'team/app', ...(tag ? { tag } : {}) },
  request: { id: 'r', addr: '192.0.2.1:1234', host: 'reg', method: 'GET', useragent: 'ua' },
  actor: undefined,
  manifestBody: manifest,
});

function fakeOutbox(failFirst = false) {
  const writes: OutboxItem[][] = [];
  let fail = failFirst;
  const outbox = {
    async enqueue(items: readonly OutboxItem[]) {
      if (fail) {
        fail = false;
        throw new Error('database is locked');
      }
      writes.push([...items]);
    },
  } as unknown as EventOutbox;
  return { outbox, writes };
}

function notifier(outbox: EventOutbox, endpoints: EndpointRules[], includeReferences = false, maxBuffered = 10) {
  const errors: unknown[] = [];
  const n = new QueuedNotifier({
    outbox,
    endpoints,
    includeReferences,
    source: { addr: 'host:5000', instanceID: 'i' },
    now: () => new Date('2026-01-02T03:04:05.678Z'),
    flushMs: 10_000,
    maxBuffered,
    written: () => undefined,
    onError: (error) => errors.push(error),
  });
  return { n, errors };
}

test('endpoints get only what they did not ignore; one window is one write, in order', async () => {
  const { outbox, writes } = fakeOutbox();
  const { n } = notifier(outbox, [
    rules('all'),
    rules('no-pulls', { ignoredActions: new Set(['pull']) }),
    rules('no-blobs', { ignoredMediaTypes: new Set(['application/octet-stream']) }),
  ]);
  n.publish(input('pull', 'application/vnd.oci.image.manifest.v1+json', 'v1'));
  n.publish(input('push', 'application/octet-stream'));
  await n.flush();
  assert.equal(writes.length, 1);
  const got = writes[0].map((w) => [w.endpoint, (JSON.parse(w.body) as { action: string }).action]);
  assert.deepEqual(got, [
    ['all', 'pull'],
    ['no-blobs', 'pull'],
    ['all', 'push'],
    ['no-pulls', 'push'],
  ]);
  const event = JSON.parse(writes[0][0].body);
  assert.equal(event.timestamp, '2026-01-02T03:04:05.678000000Z');
  assert.deepEqual(event.actor, {});
  assert.equal(event.target.references, undefined, 'no references unless asked');
  assert.deepEqual(Object.keys(event), ['id', 'timestamp', 'action', 'target', 'request', 'actor', 'source']);
});

test('references list the config and layers when includereferences is set', async () => {
  const { outbox, writes } = fakeOutbox();
  const { n } = notifier(outbox, [rules('all')], true);
  n.publish(input('push', 'application/vnd.oci.image.manifest.v1+json', 'v1'));
  await n.close();
  assert.deepEqual(JSON.parse(writes[0][0].body).target.references.map((r: { digest: string }) => r.digest), ['sha256:c', 'sha256:l']);
});

test('a failed write keeps the batch for the next one; beyond the memory cap events are dropped and reported', async () => {
  const { outbox, writes } = fakeOutbox(true);
  const { n, errors } = notifier(outbox, [rules('all')], false, 3);
  n.publish(input('push', 'a'));
  n.publish(input('push', 'b'));
  await n.flush();
  assert.equal(writes.length, 0);
  assert.equal(errors.length, 1);
  n.publish(input('push', 'c'));
  n.publish(input('push', 'd'));
  assert.equal(errors.length, 2, 'the fourth event does not fit in a buffer of three');
  await n.close();
  assert.deepEqual(writes[0].map((w) => JSON.parse(w.body).target.mediaType), ['a', 'b', 'c']);
  n.publish(input('push', 'e'));
  await n.flush();
  assert.equal(writes.length, 1, 'nothing is taken after close');
});

test('retry delays: quick below the threshold, then backoff doubling up to the cap', () => {
  const r = rules('x', { threshold: 2, backoffMs: 1000 });
  assert.deepEqual([1, 2, 3, 4].map((f) => retryDelayMs(r, f)), [QUICK_RETRY_MS, 1000, 2000, 4000]);
  assert.equal(retryDelayMs(r, 60), MAX_BACKOFF_MS);
});
