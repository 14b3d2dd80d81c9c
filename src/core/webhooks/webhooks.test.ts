import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import type { EventOutbox } from '../../ports/event-outbox.js';
import type { TransportRequest } from '../../ports/event-transport.js';
import type { WebhookRecord } from '../../ports/webhook-store.js';
import { isPublicAddress } from './target-address.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { webhookPayload } from './webhook-event.js';
import { signatureHeader } from './webhook-signature.js';

test('only public addresses pass without allowprivatetargets', () => {
  for (const address of ['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip']) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(isPublicAddress(address), true, address);
  }
});

test('the signature is HMAC-SHA256 of "<t>.<body>"', () => {
  const header = signatureHeader('s3cret', '{"a":1}', 1700000000);
  const expected = createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex');
  assert.equal(header, `t=1700000000,v1=${expected}`);
  assert.notEqual(signatureHeader('s3cret', '{"a":1}', 1700000001), header, 'the timestamp is signed');
});

test("Harbor's payload: project as namespace, tag or digest in resource_url", () => {
  const payload = webhookPayload({ type: 'PUSH_ARTIFACT', repository: 'team/app/web', digest: 'sha256:ab', tag: 'v1', host: 'reg:5000', operator: undefined }, 'public', new Date(1_700_000_000_500));
  assert.deepEqual(payload, {
    type: 'PUSH_ARTIFACT',
    occur_at: 1_700_000_000,
    operator: 'anonymous',
    event_data: {
      resources: [{ resource_url: 'reg:5000/team/app/web:v1', digest: 'sha256:ab', tag: 'v1' }],
      repository: { name: 'app/web', namespace: 'team', repo_full_name: 'team/app/web', repo_type: 'public' },
    },
  });
});

test('delivery refuses a private IP literal (no DNS lookup to guard) and logs it', async () => {
  const webhook: WebhookRecord = { id: 3, project: 'p', url: 'http://169.254.169.254/latest', events: ['PUSH_ARTIFACT'], sealedSecret: 'x', enabled: true, createdAt: 0 };
  const posted: TransportRequest[] = [];
  const logged: Array<{ status: number; error: string | undefined }> = [];
  const retried: number[] = [];
  let claimed = false;
  const outbox = {
    claimHead: async () => (claimed ? undefined : ((claimed = true), { ids: [1], bodies: ['{"type":"PUSH_ARTIFACT"}'], attempts: 0 })),
    log: async (r: { status: number; error: string | undefined }) => void logged.push(r),
    retryAt: async (ids: readonly number[]) => void retried.push(...ids),
    complete: async () => assert.fail('not delivered'),
    release: async () => {},
    trim: async () => 0,
    pruneLog: async () => {},
  } as unknown as EventOutbox;
  const delivery = new WebhookDelivery({
    store: { list: async () => [webhook], get: async () => webhook, create: async () => webhook, update: async () => true, remove: async () => true },
    outbox,
    transport: { post: async (request) => (posted.push(request), { status: 200, latencyMs: 1 }) },
    secrets: { seal: async (s) => s, open: async () => 'secret' },
    holder: 'h',
    allowPrivateTargets: false,
    now: () => Date.now(),
    pollMs: 20,
    timeoutMs: 1000,
    backoffMs: 1000,
    maxEvents: 10,
    logRetentionMs: 1000,
    userAgent: 'test',
    onError: (error) => assert.fail(String(error)),
    onDropped: () => {},
  });
  delivery.start();
  for (let i = 0; i < 50 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await delivery.stop();
  assert.equal(posted.length, 0, 'nothing was sent');
  assert.equal(logged[0]?.status, 0);
  assert.match(logged[0]?.error ?? '', /not a public address/);
  assert.deepEqual(retried, [1], 'kept for a retry (the operator may allow it, or fix the URL)');
});
