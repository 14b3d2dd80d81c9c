/**
 * Proxy and group projects made from the web UI against a real `berth serve`, with a real
 * upstream (Debian's Distribution 2.8) for the proxy to ping: a system admin creates one of
 * each, the upstream password is never shown back, the group keeps the member order chosen,
 * and the projects list and project page show each project's kind. Other users see no kind
 * choice. Screenshots and axe on the form and the pages.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startOpenDistribution, type UpstreamUnderTest } from '../upstream/support/upstream-registries.js';
import { launchBrowser, type UiBrowser } from './support/browser.js';
import { checkPage, pageGet } from './support/admin.js';
import { signIn, watchProblems } from './support/page.js';
import { startUiServer, type UiServer } from './support/server.js';

const SECRET = 'upstream-secret-never-shown';

let server: UiServer;
let upstream: UpstreamUnderTest;
let browser: UiBrowser;
let page: Page;
let problems: string[];

interface ProjectJson {
  name: string;
  kind: string;
  proxy?: { upstream: string; username?: string; hasPassword: boolean; ttlSeconds: number };
  group?: { members: string[]; pushTo?: string };
}

before(async () => {
  [server, upstream] = await Promise.all([startUiServer(), startOpenDistribution()]);
  await server.accounts.project('team', 'private');
  await server.accounts.user('dana', 'dana-password-123');
  browser = await launchBrowser();
  page = await browser.newPage(server.url);
  problems = watchProblems(page);
  await signIn(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.stop();
});

test('a system admin creates a proxy project; the upstream password is never shown back', async () => {
  await page.goto('/projects/new');
  await page.getByLabel('Name').fill('hub');
  await page.getByLabel(/^Public/).check();
  await page.getByLabel(/^Proxy/).check();
  await page.getByRole('button', { name: 'Create project' }).click();
  assert.match(await page.locator('.field-error').innerText(), /http:\/\/ or https:\/\//, 'an upstream URL is required');
  await page.getByLabel('Upstream URL').fill(upstream.url);
  await page.getByLabel('Upstream username (optional)').fill('cacher');
  await page.getByLabel('Upstream password or token (optional)').fill(SECRET);
  await page.getByLabel('Tag TTL (optional)').fill('1h');
  await checkPage(page, 'admin-project-new-proxy');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL('**/projects/hub/members');
  const hub = await pageGet<ProjectJson>(page, '/api/v1/projects/hub');
  assert.equal(hub.kind, 'proxy');
  assert.equal(hub.proxy?.hasPassword, true);
  assert.equal(hub.proxy?.ttlSeconds, 3600);
  assert.equal(hub.proxy?.username, 'cacher');
  assert.ok(!JSON.stringify(hub).includes(SECRET), 'the API never returns the password');

  await page.goto('/projects/hub');
  await page.getByText(`Proxy of ${upstream.host}, with credentials`).waitFor();
  await page.getByText('Nothing cached yet').waitFor();
  assert.ok(!(await page.content()).includes(SECRET), 'nor does the page');
  await checkPage(page, 'project-proxy');
});

test('a system admin creates a group with ordered members and a push member', async () => {
  await page.goto('/projects/new');
  await page.getByLabel('Name').fill('all');
  await page.getByLabel(/^Group/).check();
  await page.getByRole('button', { name: 'Create project' }).click();
  assert.match(await page.locator('.field-error').innerText(), /at least one member/);
  const add = page.getByLabel('Add a member');
  await add.selectOption('hub');
  assert.equal(await page.locator('.field-error').count(), 0, 'the error goes once the form changes');
  await add.selectOption('team');
  // Added hub, team; the hosted project should answer first.
  await page.getByRole('button', { name: 'Move team up' }).click();
  assert.deepEqual(await page.locator('.member-order li > span:first-child').allInnerTexts(), ['team (hosted)', 'hub (proxy)']);
  const pushTo = page.getByLabel('Pushes go to', { exact: true });
  assert.deepEqual(await pushTo.locator('option').allInnerTexts(), ['No member (refuse pushes)', 'team'], 'only hosted members take pushes');
  await pushTo.selectOption('team');
  await checkPage(page, 'admin-project-new-group');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL('**/projects/all/members');
  const all = await pageGet<ProjectJson>(page, '/api/v1/projects/all');
  assert.equal(all.kind, 'group');
  assert.deepEqual(all.group, { members: ['team', 'hub'], pushTo: 'team' });

  await page.goto('/projects/all');
  await page.getByText('Group of team, hub; pushes go to team').waitFor();
});

test('the projects list shows each project kind', async () => {
  await page.goto('/projects');
  const table = page.getByRole('table', { name: 'Projects' });
  await table.waitFor();
  const kindOf = async (name: string) => (await table.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) }).getByRole('cell').nth(1).innerText()).trim();
  assert.equal(await kindOf('hub'), 'Proxy');
  assert.equal(await kindOf('all'), 'Group');
  assert.equal(await kindOf('team'), 'Hosted');
  await checkPage(page, 'projects-kinds');
});

test('other users are not offered a kind', async () => {
  const other = await browser.newPage(server.url);
  await signIn(other, { username: 'dana', password: 'dana-password-123' });
  await other.goto('/projects/new');
  await other.getByLabel('Name').waitFor();
  assert.equal(await other.getByText('Kind', { exact: true }).count(), 0);
  assert.equal(await other.getByLabel(/^Proxy/).count(), 0);
  await other.close();
});

test('no console errors or CSP reports along the way', () => {
  assert.deepEqual(problems, []);
});
