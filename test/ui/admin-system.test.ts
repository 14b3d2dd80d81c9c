/**
 * The system admin's and the signed-in user's pages against a real `berth serve`: users, personal
 * access tokens (created, used, revoked), password change, garbage collection (dry run, run with
 * progress, report), the audit log (the UI's own actions, filters), settings, and a state-changing
 * request without the CSRF header refused. Screenshots and axe on each page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type UiBrowser } from './support/browser.js';
import { checkPage, pageGet } from './support/admin.js';
import { pushImage } from './support/images.js';
import { signIn, watchProblems } from './support/page.js';
import { admin, startUiServer, type UiServer } from './support/server.js';

let server: UiServer;
let browser: UiBrowser;
let page: Page;
let problems: string[];

before(async () => {
  server = await startUiServer();
  browser = await launchBrowser();
  page = await browser.newPage(server.url);
  problems = watchProblems(page);
  await signIn(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const dialog = () => page.getByRole('dialog');
const basic = (user: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });

test('users: create with a generated password shown once, make admin, disable, reset password, delete', async () => {
  await page.goto('/users');
  await page.getByRole('row', { name: /admin/ }).first().waitFor();
  await page.getByLabel('User name').fill('erin');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create user' }).click();
  assert.match(await page.locator('#new-user-password-error').innerText(), /12 characters/);

  await page.getByLabel('Password').fill('');
  await page.getByRole('button', { name: 'Create user' }).click();
  const generated = (await page.locator('.secret-value').innerText()).trim();
  assert.ok(generated.length >= 12);
  assert.equal((await fetch(`${server.url}/api/v1/me`, { headers: basic('erin', generated) })).status, 200, 'the shown password works');
  await page.getByRole('button', { name: 'I have copied it' }).click();

  const row = page.getByRole('row', { name: /^erin/ });
  await row.getByRole('button', { name: 'Make admin' }).click();
  await dialog().getByRole('button', { name: 'Grant admin' }).click();
  await row.getByRole('button', { name: 'Revoke admin' }).waitFor();
  await row.getByRole('button', { name: 'Disable' }).click();
  await dialog().getByRole('button', { name: 'Disable' }).click();
  await row.getByText('disabled').waitFor();
  assert.equal((await fetch(`${server.url}/api/v1/me`, { headers: basic('erin', generated) })).status, 401, 'a disabled user is refused');
  await row.getByRole('button', { name: 'Enable' }).click();
  await dialog().getByRole('button', { name: 'Enable' }).click();
  await row.getByText('active').waitFor();

  await row.getByRole('button', { name: 'Reset password' }).click();
  const fresh = await dialog().getByLabel('New password').inputValue();
  await dialog().getByRole('button', { name: 'Reset password' }).click();
  assert.equal((await page.locator('.secret-value').innerText()).trim(), fresh);
  assert.equal((await fetch(`${server.url}/api/v1/me`, { headers: basic('erin', fresh) })).status, 200);
  await checkPage(page, 'admin-users');
  await page.getByRole('button', { name: 'I have copied it' }).click();

  await page.getByRole('button', { name: 'Delete erin' }).click();
  await dialog().getByRole('button', { name: 'Delete user' }).click();
  await row.waitFor({ state: 'detached' });
});

test('my tokens: a new token is shown once, works as the password, and stops working when revoked', async () => {
  await page.goto('/account/tokens');
  await page.getByText('No access tokens').waitFor();
  await page.getByLabel('Name').fill('laptop');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.locator('.secret-value').innerText()).trim();
  assert.match(token, /^bpat_/);
  assert.equal((await fetch(`${server.url}/api/v1/me`, { headers: basic(admin.username, token) })).status, 200);
  await checkPage(page, 'admin-token-secret');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await page.getByRole('row', { name: /laptop/ }).waitFor();
  await checkPage(page, 'admin-tokens');

  await page.getByRole('button', { name: 'Revoke laptop' }).click();
  await dialog().getByRole('button', { name: 'Revoke token' }).click();
  await page.getByText('No access tokens').waitFor();
  assert.equal((await fetch(`${server.url}/api/v1/me`, { headers: basic(admin.username, token) })).status, 401);
});

test('account: a wrong current password is refused; the right one changes it and the user signs in again', async () => {
  const frank = await server.accounts.user('frank', 'frank-password-123');
  const own = await browser.newPage(server.url);
  const ownProblems = watchProblems(own);
  await signIn(own, frank);
  await own.getByRole('button', { name: /^Account: / }).click();
  await own.getByRole('link', { name: 'My tokens' }).click();
  await own.getByRole('link', { name: 'Change password' }).click();
  await own.waitForURL('**/account');
  await own.getByLabel('Current password').fill('not-my-password');
  await own.getByLabel('New password', { exact: true }).fill('frank-new-password-456');
  await own.getByLabel('New password again').fill('frank-new-password-456');
  await own.getByRole('button', { name: 'Change password' }).click();
  assert.match(await own.getByRole('alert').innerText(), /current password/);
  assert.equal(ownProblems.length, 1, 'the 403 is the one console error');
  await checkPage(own, 'admin-account');

  await own.getByLabel('Current password').fill(frank.password);
  await own.getByRole('button', { name: 'Change password' }).click();
  await own.waitForURL('**/sign-in?next=%2Faccount');
  await own.getByText('Password changed: sign in with your new password.').waitFor();
  await signIn(own, { username: 'frank', password: 'frank-new-password-456' });
  await own.close();
});

test('garbage collection: dry run shows what would go, a run shows progress and the report', async () => {
  await server.accounts.project('gcproj', 'private');
  await pushImage(server, 'single', 'gcproj/app:old');
  const deleted = await page.evaluate(async () => {
    const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
    return (await fetch('/api/v1/repositories/gcproj%2Fapp/-/tags/old', { method: 'DELETE', headers: { 'X-CSRF-Token': session.csrfToken } })).status;
  });
  assert.equal(deleted, 204);

  await page.goto('/gc');
  await page.getByText('No collection has run since the server started').waitFor();
  await page.getByLabel(/Free deleted content now/).check();
  await page.getByRole('button', { name: 'Preview (dry run)' }).click();
  await page.getByRole('heading', { name: 'Preview: what a collection would free' }).waitFor();
  assert.match(await page.locator('.gc-report').innerText(), /gcproj\/app/);
  await checkPage(page, 'admin-gc-preview');

  // Record whether the progress display appeared: a run on a small registry may end within a poll.
  await page.evaluate(() => {
    const seen = { running: false };
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      if (document.querySelector('.gc-running progress')) seen.running = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  await page.getByRole('button', { name: 'Collect garbage' }).click();
  await dialog().getByRole('button', { name: 'Collect garbage' }).click();
  await page.getByRole('heading', { name: 'Report' }).waitFor();
  assert.ok(await page.evaluate(() => (window as unknown as { seen: { running: boolean } }).seen.running), 'progress was shown while it ran');
  await page.getByRole('heading', { name: 'Last collection' }).waitFor();
  assert.match(await page.locator('.gc-report').innerText(), /Freed\s+[\d.]+ [kM]?B/i);
  const status = await pageGet<{ last: { bytesFreed: number; dryRun: boolean } }>(page, '/api/v1/gc');
  assert.ok(status.last.bytesFreed > 0);
  assert.equal(status.last.dryRun, false);
  await checkPage(page, 'admin-gc');
});

test('settings: anonymous pull toggles (turning it on behind a confirmation) and resets to the config', async () => {
  const anonymousPull = async () => (await pageGet<{ anonymousPull: boolean }>(page, '/api/v1/system')).anonymousPull;
  await page.goto('/settings');
  const toggle = page.getByRole('switch', { name: 'Anonymous pull' });
  await toggle.waitFor();
  assert.equal(await anonymousPull(), true, 'the test server allows anonymous pull');
  assert.equal(await toggle.isChecked(), true);

  await toggle.click();
  await page.getByText('Anonymous pull turned off').waitFor();
  assert.equal(await anonymousPull(), false);
  assert.equal(await toggle.isChecked(), false);

  await toggle.click();
  assert.match(await dialog().innerText(), /without signing in/);
  await dialog().getByRole('button', { name: 'Turn on' }).click();
  await page.getByText('Anonymous pull turned on').waitFor();
  assert.equal(await anonymousPull(), true);

  await toggle.click();
  await page.getByText('Anonymous pull turned off').last().waitFor();
  await page.getByRole('button', { name: 'Reset to config' }).waitFor();
  await checkPage(page, 'admin-settings');
  await page.getByRole('button', { name: 'Reset to config' }).click();
  await page.getByText('Anonymous pull follows the config again').waitFor();
  assert.equal(await anonymousPull(), true);
  assert.equal(await toggle.isChecked(), true);
});

test('a state-changing request from the page without the CSRF header is refused with 403', async () => {
  const answer = await page.evaluate(async () => {
    const response = await fetch('/api/v1/settings', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ 'auth.builtin.anonymouspull': false }),
    });
    return { status: response.status, body: await response.text() };
  });
  assert.equal(answer.status, 403);
  assert.match(answer.body, /CSRF/);
  problems.length = 0; // the console reports that 403
  assert.equal((await pageGet<{ anonymousPull: boolean }>(page, '/api/v1/system')).anonymousPull, true, 'nothing changed');
});

test("audit log: shows the UI's actions, filters them (by action, and by result in the browser) and exports CSV", async () => {
  await page.goto('/audit');
  await page.getByRole('table').waitFor();
  const text = await page.getByRole('table').innerText();
  for (const action of ['user.create', 'token.create', 'token.revoke', 'settings.set', 'settings.reset', 'gc.run', 'user.passwd']) assert.match(text, new RegExp(action.replace('.', '\\.')), action);
  await checkPage(page, 'admin-audit');

  await page.getByLabel('Action').fill('user.create');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/action=user\.create/);
  await page.getByRole('cell', { name: 'erin' }).or(page.getByText('erin')).first().waitFor();
  const actions = await page.locator('tbody tr td:nth-child(3)').allInnerTexts();
  assert.ok(actions.length >= 1);
  assert.ok(actions.every((a) => a === 'user.create'), actions.join());

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByLabel('Result').selectOption('denied');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/result=denied/);
  const results = await page.locator('tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(results.length >= 1, 'the refused CSRF request is there');
  assert.ok(results.every((r) => r.startsWith('denied')), results.join());

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await download;
  const csv = await (await file.createReadStream()).toArray();
  const lines = Buffer.concat(csv).toString('utf8').trim().split('\r\n');
  assert.equal(lines[0], 'id,time,actor,action,result,count,clientIp,repository,reference,detail');
  assert.equal(lines.length, results.length + 1, 'the export holds the filtered events');
  assert.deepEqual(problems, []);
});
