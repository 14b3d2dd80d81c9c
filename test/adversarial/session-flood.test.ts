/**
 * Floods a real `berth serve` process from ordinary accounts and checks it stays bounded:
 *
 * - one account opens upload sessions in a loop (UPLOAD_ATTEMPTS, 32 at a time): past the
 *   per-account cap further POSTs are refused with 429 TOOMANYREQUESTS in the error envelope,
 *   the server's memory and staging files stay bounded, it keeps answering, other accounts
 *   still upload, and closing a session frees a place;
 * - anonymous clients send bad Basic logins with 8 kB usernames: the audit log grows by a
 *   bounded number of rows and bytes, however many attempts there were.
 *
 * The cap is set through `uploads.maxperaccount` (CAP_ENV); UPLOAD_CAP is what the assertions use.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { RegistryProcess } from '../support/registry-process.js';
import { withHeaders } from '../http/support/auth.js';
import { client, expectStatus, type Client } from '../http/support/http-client.js';
import { startUpload } from '../http/support/push.js';
import { stagingFiles } from '../http/support/storage.js';
import { ADMIN, assertHealthy, basicOf, isEnvelope, pool, rssOf, seedAccounts, sendRaw, startGuardedBerth, Tally, type Seeded } from './support.js';

/** Open upload sessions one account may hold. */
const UPLOAD_CAP = 100;
const CAP_ENV: Record<string, string> = { BERTH_UPLOADS_MAXPERACCOUNT: String(UPLOAD_CAP) };
const UPLOAD_ATTEMPTS = 2000;
/** Far above what 100 open sessions cost, far below what an unbounded map of 2,000 sessions plus V8's slack could reach. */
const RSS_GROWTH_LIMIT = 64 * 1024 * 1024;
const LOGIN_ATTEMPTS = 500;
/** The login flood stops after this long even if not every attempt went out (each costs a password hash until throttled). */
const LOGIN_FLOOD_SECONDS = 25;
/**
 * Audit rows the whole login flood may add (room for the failures before the throttle and a
 * few aggregate rows; an unaggregated log adds one per attempt), and bytes their export may
 * grow by (an uncapped actor field adds 8 kB per row).
 */
const AUDIT_ROWS_LIMIT = 100;
const AUDIT_BYTES_LIMIT = 256 * 1024;
/** One address, as one attacker would send from; the login throttle then keeps the password hashing short. */
const FLOOD_ADDRESS = '127.0.0.21';

let server: RegistryProcess;
let seeded: Seeded;
let admin: Client;

before(async () => {
  server = await startGuardedBerth(CAP_ENV);
  seeded = await seedAccounts(server);
  admin = withHeaders(client(server.url), { authorization: basicOf(ADMIN) });
});
after(async () => {
  await server?.stop();
});

/** A push token for dev on team/app, so the flood costs no password hash per request. */
async function devPushClient(): Promise<Client> {
  const reply = await client(server.url).get('/token?service=berth&scope=repository:team/app:pull,push', { headers: { authorization: basicOf(seeded.dev) } });
  expectStatus(reply, 200, 'dev push token');
  return withHeaders(client(server.url), { authorization: `Bearer ${(JSON.parse(reply.text) as { token: string }).token}` });
}

test(`one account opening ${UPLOAD_ATTEMPTS} upload sessions is capped at ${UPLOAD_CAP} with 429, in bounded memory`, async () => {
  const dev = await devPushClient();
  await startUpload(dev, 'team/app').then((location) => dev.delete(location));
  const rssBefore = await rssOf(server);
  const tally = new Tally();
  const refusals: string[] = [];
  const opened: string[] = [];
  await pool(Array.from({ length: UPLOAD_ATTEMPTS }), 32, async () => {
    const reply = await dev.post('/v2/team/app/blobs/uploads/');
    tally.add(reply.status);
    if (reply.status === 202) opened.push(reply.headers.get('location') ?? '');
    else if (reply.status !== 429 || !isEnvelope(reply.text) || !reply.text.includes('TOOMANYREQUESTS')) {
      if (refusals.length < 5) refusals.push(`${reply.status} ${reply.text.slice(0, 200)}`);
    }
  });
  const rssAfter = await rssOf(server);
  const staged = Object.keys(await stagingFiles(server.root)).length;
  console.log(`${tally.table('upload session flood')}\n  RSS +${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB, ${staged} staging files`);

  assert.deepEqual(refusals, [], 'every POST is either a session (202) or 429 TOOMANYREQUESTS in the error envelope');
  assert.ok(tally.get(202) <= UPLOAD_CAP, `${tally.get(202)} sessions opened for one account; the cap is ${UPLOAD_CAP} (${Object.keys(CAP_ENV).join(', ')})`);
  assert.ok(tally.get(202) > 0, 'the account could open no session at all');
  assert.ok(staged <= UPLOAD_CAP + 5, `${staged} staging files for at most ${UPLOAD_CAP} open sessions`);
  assert.ok(rssAfter - rssBefore < RSS_GROWTH_LIMIT, `RSS grew by ${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
  await assertHealthy(server, 'after the session flood');

  // The cap is per account: another account still uploads, and a closed session frees a place.
  const other = await startUpload(admin, 'pub/app');
  expectStatus(await admin.delete(other), 204, 'cancel the admin upload');
  expectStatus(await dev.delete(opened[0]!), 204, 'cancel one of dev’s sessions');
  expectStatus(await dev.post('/v2/team/app/blobs/uploads/'), 202, 'a place freed by a cancel is usable again');
});

/** Every audit event, as the export has them (one JSON line each). */
async function auditExport(): Promise<string[]> {
  const reply = await admin.get('/api/v1/audit?format=jsonl');
  expectStatus(reply, 200, 'audit export');
  return reply.text.split('\n').filter((line) => line !== '');
}

test(`${LOGIN_ATTEMPTS} bad logins with 8 kB usernames add at most ${AUDIT_ROWS_LIMIT} audit rows`, async () => {
  const before = await auditExport();
  const rssBefore = await rssOf(server);
  const tally = new Tally();
  const deadline = Date.now() + LOGIN_FLOOD_SECONDS * 1000;
  const bad: string[] = [];
  await pool(Array.from({ length: LOGIN_ATTEMPTS }, (_, i) => i), 16, async (i) => {
    if (Date.now() > deadline) return;
    // Distinct names, with control characters a terminal would act on.
    const username = `${i}\u001b[2J\r${'u'.repeat(8000)}`;
    const head = `GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ${basicOf({ username, password: 'wrong' })}\r\n\r\n`;
    const outcome = await sendRaw(server, Buffer.from(head, 'latin1'), { localAddress: FLOOD_ADDRESS });
    tally.add(outcome.kind === 'answer' ? outcome.status : outcome.kind);
    if (outcome.kind !== 'answer' || outcome.status >= 500 || !isEnvelope(outcome.body.toString('utf8'))) {
      if (bad.length < 5) bad.push(outcome.kind === 'answer' ? `${outcome.status} ${outcome.body.toString('utf8').slice(0, 200)}` : outcome.kind);
    }
  });
  const afterEvents = await auditExport();
  const added = afterEvents.length - before.length;
  const addedBytes = afterEvents.join('\n').length - before.join('\n').length;
  const rssAfter = await rssOf(server);
  console.log(`${tally.table('bad-login flood')}\n  audit +${added} rows, +${(addedBytes / 1024).toFixed(0)} KiB; RSS +${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB`);

  assert.deepEqual(bad, [], 'every bad login is answered 401 or 429 with the error envelope');
  assert.ok(tally.total() >= 100, `only ${tally.total()} attempts went out in ${LOGIN_FLOOD_SECONDS} s`);
  assert.ok(added <= AUDIT_ROWS_LIMIT, `${tally.total()} bad logins added ${added} audit rows; throttled attempts must be aggregated`);
  assert.ok(addedBytes <= AUDIT_BYTES_LIMIT, `${tally.total()} bad logins added ${(addedBytes / 1024).toFixed(0)} KiB to the audit log; the actor field must be capped`);
  assert.ok(rssAfter - rssBefore < RSS_GROWTH_LIMIT, `RSS grew by ${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
  await assertHealthy(server, 'after the bad-login flood');
  expectStatus(await admin.get('/v2/'), 200, 'the admin still signs in from the usual address');
});
