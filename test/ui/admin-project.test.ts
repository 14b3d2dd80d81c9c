/**
 * A project administered from the web UI against a real `berth serve`: create the project, add a
 * member, create a robot and push with its secret read off the page (real skopeo), set policy,
 * preview and run retention, delete the robot. Screenshots and axe on each page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type UiBrowser } from './support/browser.js';
import { checkPage, pageGet } from './support/admin.js';
import { pushImage } from './support/images.js';
import { signIn, watchProblems } from './support/page.js';
import { startUiServer, type UiServer } from './support/server.js';

let server: UiServer;
let browser: UiBrowser;
let page: Page;
let problems: string[];
let robotSecret = '';

before(async () => {
  server = await startUiServer();
  browser = await launchBrowser();
  await server.accounts.user('dana', 'dana-password-123');
  page = await browser.newPage(server.url);
  problems = watchProblems(page);
  await signIn(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const confirmDialog = () => page.getByRole('dialog');

test('an admin creates a project from the UI and lands on its members page', async () => {
  await page.goto('/projects/new');
  await page.getByLabel('Name').fill('Bad/Name');
  await page.getByRole('button', { name: 'Create project' }).click();
  assert.match(await page.locator('.field-error').innerText(), /lower-case/);
  await checkPage(page, 'admin-project-new');

  await page.getByLabel('Name').fill('uiteam');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL('**/projects/uiteam/members');
  const project = await pageGet<{ name: string; visibility: string }>(page, '/api/v1/projects/uiteam');
  assert.equal(project.visibility, 'private');
});

test('members: add a user with a role, change the role, remove them behind a confirmation', async () => {
  await page.goto('/projects/uiteam/members');
  await page.getByLabel('User name').fill('dana');
  await page.getByLabel('Role', { exact: true }).selectOption('developer');
  await page.getByRole('button', { name: 'Add member' }).click();
  const role = page.getByLabel('Role of dana');
  await role.waitFor();
  assert.equal(await role.inputValue(), 'developer');

  await role.selectOption('maintainer');
  await page.getByText('dana is now maintainer').waitFor();
  const members = await pageGet<{ members: Array<{ user: string; role: string }> }>(page, '/api/v1/projects/uiteam/members');
  assert.deepEqual(members.members.find((m) => m.user === 'dana'), { user: 'dana', role: 'maintainer' });

  // An unknown user is refused with the server's message, and nothing is added.
  await page.getByLabel('User name').fill('nobody-here');
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.getByRole('alert').waitFor();
  // That refusal is the browser's one expected console error (a 404 for the unknown user).
  assert.equal(problems.length, 1);
  assert.match(problems.pop()!, /404/);
  await checkPage(page, 'admin-project-members');

  await page.getByRole('button', { name: 'Remove dana' }).click();
  await confirmDialog().getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.getByLabel('Role of dana').count(), 1, 'Cancel removes nothing');
  await page.getByRole('button', { name: 'Remove dana' }).click();
  await confirmDialog().getByRole('button', { name: 'Remove member' }).click();
  await page.getByLabel('Role of dana').waitFor({ state: 'detached' });
});

test('robots: the secret is shown once; skopeo pushes with it and the repository appears', async () => {
  await page.goto('/projects/uiteam/robots');
  await page.getByText('No robot accounts').waitFor();
  await page.getByLabel('Name').fill('ci');
  await page.getByLabel('Push').check();
  await page.getByRole('button', { name: 'Create robot' }).click();
  const secret = (await page.locator('.secret-value').innerText()).trim();
  assert.ok(secret.length >= 20, `a secret is shown: ${secret}`);
  robotSecret = secret;
  assert.match(await page.locator('.secret-once').innerText(), /shown only this once/);
  assert.match(await page.locator('.secret-once').innerText(), new RegExp(`docker login ${server.host.replace(/\./g, '\\.')} -u 'robot\\$uiteam\\+ci'`));
  await checkPage(page, 'admin-project-robot-secret');

  await pushImage(server, 'single', 'uiteam/app:1.0', { username: 'robot$uiteam+ci', password: secret });
  await pushImage(server, 'single', 'uiteam/app:2.0', { username: 'robot$uiteam+ci', password: secret });
  const listed = await pageGet<{ repositories: Array<{ name: string; tagCount: number }> }>(page, '/api/v1/projects/uiteam/repositories');
  assert.deepEqual(listed.repositories.map((r) => [r.name, r.tagCount]), [['uiteam/app', 2]]);

  await page.getByRole('button', { name: 'I have copied it' }).click();
  assert.equal(await page.locator('.secret-value').count(), 0, 'the secret is gone once dismissed');
  const row = page.getByRole('row', { name: /robot\$uiteam\+ci/ });
  assert.match(await row.innerText(), /pull, push/);
  await checkPage(page, 'admin-project-robots');
});

test('policy: immutable tags, quota with usage, retention preview then run', async () => {
  await page.goto('/projects/uiteam/policy');
  await page.getByRole('heading', { name: 'Retention rules' }).waitFor();
  assert.match(await page.locator('section[aria-labelledby="quota-title"]').innerText(), /Using [\d.]+ [kM]?B/);

  await page.getByLabel('Pattern').fill('v*');
  await page.getByRole('button', { name: 'Add pattern' }).click();
  await page.getByRole('button', { name: 'Remove pattern v*' }).waitFor();

  await page.getByLabel('Quota', { exact: true }).fill('1GiB');
  await page.getByRole('button', { name: 'Set quota' }).click();
  await page.locator('meter.usage-meter').waitFor();

  await page.getByRole('radio', { name: /Disallow redeploy/ }).check();
  await page.getByRole('button', { name: 'Save write policy' }).click();
  await page.getByText('Write policy saved').waitFor();

  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByLabel('How many').fill('1');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await page.getByText('Retention rules saved').waitFor();
  const policy = await pageGet<Record<string, unknown>>(page, '/api/v1/projects/uiteam/policy');
  assert.deepEqual(policy, {
    writePolicy: 'disallow-redeploy',
    immutableTags: ['v*'],
    quotaBytes: 1024 ** 3,
    retention: [{ kind: 'keep-newest', count: 1 }],
  });

  await page.getByRole('button', { name: 'Preview (dry run)' }).click();
  await page.getByRole('heading', { name: 'The rules would remove 1 item' }).waitFor();
  assert.match(await page.locator('.retention-report').innerText(), /uiteam\/app\s+1\.0/);
  await checkPage(page, 'admin-project-policy');

  await page.getByRole('button', { name: 'Run now' }).click();
  await confirmDialog().getByRole('button', { name: 'Remove them' }).click();
  await page.getByRole('heading', { name: 'Removed 1 item' }).waitFor();
  const tags = await pageGet<{ tags: Array<{ tag: string }> }>(page, '/api/v1/repositories/uiteam%2Fapp/-/tags');
  assert.deepEqual(tags.tags.map((t) => t.tag), ['2.0']);
});

test('deleting a robot asks first, and its secret stops working', async () => {
  await page.goto('/projects/uiteam/robots');
  await page.getByRole('button', { name: 'Delete robot$uiteam+ci' }).click();
  assert.match(await confirmDialog().innerText(), /stops working/);
  await confirmDialog().getByRole('button', { name: 'Delete robot' }).click();
  await page.getByText('No robot accounts').waitFor();
  const basic = `Basic ${Buffer.from(`robot$uiteam+ci:${robotSecret}`).toString('base64')}`;
  const response = await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: basic } });
  assert.equal(response.status, 401);
  assert.deepEqual(problems, []);
});
