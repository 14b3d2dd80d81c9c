/**
 * What the browse pages do and must never do, in a real browser against a real `berth serve`:
 * several tags deleted in one action and restored (from the notice and from the deleted-tags
 * panel); hostile descriptions, labels and history lines shown as literal text without any
 * dialog firing; a private project's names on no page an outsider or an anonymous visitor sees.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Credentials } from '../e2e/support/berth-accounts.js';
import { launchBrowser, type UiBrowser } from './support/browser.js';
import { hostileDescription, hostileHistory, hostileLabel, pushHostileImage } from './support/browse-images.js';
import { pushImage } from './support/images.js';
import { axeViolations, describeViolations, screenshot, signIn, watchProblems } from './support/page.js';
import { startUiServer, type UiServer } from './support/server.js';

let server: UiServer;
let browser: UiBrowser;
let outsider: Credentials;
const dialogs: string[] = [];

before(async () => {
  server = await startUiServer();
  browser = await launchBrowser();
  await server.accounts.project('web', 'public');
  await server.accounts.project('secret', 'private');
  outsider = await server.accounts.user('outsider', 'outsider-password-1');
  for (const tag of ['1.0', '2.0', '3.0']) await pushImage(server, 'single', `web/app:${tag}`);
  // The same layers as web/app: its manifest page must not name this repository to outsiders.
  await pushImage(server, 'single', 'secret/hidden-app:1.0');
  await pushHostileImage(server, 'web/evil:latest');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage(server.url);
  // No alert(), confirm() or prompt() may ever open: a hostile string that ran would.
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return page;
}

const tagsTable = (page: Page) => page.getByRole('table', { name: 'Tags of web/app' });
const tagLink = (page: Page, tag: string) => tagsTable(page).getByRole('link', { name: tag, exact: true });

test('several tags are deleted in one action after a confirmation, and restored from the notice and from the deleted-tags panel', async () => {
  const page = await newPage();
  const problems = watchProblems(page);
  await signIn(page);
  await page.goto('/repositories/web/app');
  await tagLink(page, '3.0').waitFor();

  // Escape cancels: nothing is deleted.
  await page.getByLabel('Select 2.0').check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete 1 tag?' });
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.ok(await tagLink(page, '2.0').isVisible());

  await page.getByLabel('Select 3.0').check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete 2 tags?' });
  await confirm.waitFor();
  assert.match(await confirm.innerText(), /2\.0[\s\S]*3\.0|3\.0[\s\S]*2\.0/);
  await axeCheck(page, 'delete dialog');
  await screenshot(page, 'browse-delete-dialog');
  await confirm.getByRole('button', { name: 'Delete' }).click();

  const notice = page.locator('.notice');
  await notice.waitFor();
  assert.match(await notice.innerText(), /Deleted (2\.0, 3\.0|3\.0, 2\.0)\. Restorable until/);
  await tagLink(page, '2.0').waitFor({ state: 'detached' });
  assert.equal(await tagLink(page, '3.0').count(), 0);
  assert.ok(await tagLink(page, '1.0').isVisible(), 'the unselected tag stays');
  const panel = page.getByRole('table', { name: 'Deleted tags of web/app' });
  await panel.waitFor();
  assert.match(await panel.innerText(), /2\.0/);

  await notice.getByRole('button', { name: 'Restore' }).click();
  await tagLink(page, '2.0').waitFor();
  await tagLink(page, '3.0').waitFor();
  await page.getByText('Restored 2 tags').waitFor();

  // Delete one again and bring it back from the panel.
  await page.getByLabel('Select 3.0').check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await page.getByRole('dialog', { name: 'Delete 1 tag?' }).getByRole('button', { name: 'Delete' }).click();
  await tagLink(page, '3.0').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Restore 3.0' }).first().click();
  await tagLink(page, '3.0').waitFor();
  assert.deepEqual(problems, []);
});

test('hostile descriptions, labels, history lines and edits show as literal text and run nothing', async () => {
  const page = await newPage();
  const problems = watchProblems(page);
  await signIn(page);

  await page.goto('/repositories/web/evil');
  await page.getByText(hostileDescription).waitFor();
  assert.equal(await page.locator('main img').count(), 0, 'no <img> from the description');

  await page.goto('/repositories/web/evil/-/manifests/latest');
  await page.getByRole('heading', { name: 'Layers' }).waitFor();
  const text = await page.locator('main').innerText();
  assert.ok(text.includes(hostileLabel), 'the label value shows as text');
  assert.ok(text.includes(hostileHistory), 'the history line shows as text');
  assert.ok(text.includes(`EVIL=${hostileLabel}`), 'the environment shows as text');
  assert.ok((await page.locator('pre.raw').innerText()).includes('onerror=alert(1)'), 'the raw manifest keeps the annotation as text');
  assert.equal(await page.locator('main script, main img').count(), 0);

  await page.goto('/search?q=onerror');
  await page.getByRole('link', { name: 'web/evil' }).waitFor();
  assert.ok((await page.locator('main').innerText()).includes(hostileDescription));

  // An edited description is text too.
  const edit = '<b>bold</b><img src=x onerror=alert(5)>';
  await page.goto('/repositories/web/evil');
  await page.getByRole('button', { name: 'Edit description' }).click();
  await page.getByLabel('Description', { exact: true }).fill(edit);
  await page.getByRole('button', { name: 'Save description' }).click();
  await page.locator('.description', { hasText: edit }).waitFor();
  assert.match(await page.locator('main').innerText(), /Description edited here/);
  await page.reload();
  await page.locator('.description', { hasText: edit }).waitFor();
  assert.equal(await page.locator('main img, main b').count(), 0);
  await page.getByRole('button', { name: 'Edit description' }).click();
  await page.getByRole('button', { name: 'Use the image’s description' }).click();
  await page.locator('.description', { hasText: hostileDescription }).waitFor();

  assert.deepEqual(dialogs, [], 'no dialog fired');
  assert.deepEqual(problems, []);
});

const privateNames = ['secret', 'hidden-app'];
const publicPages = ['/', '/projects', '/search?q=app', '/search?q=hidden', '/repositories/web/app', '/repositories/web/app/-/manifests/1.0'];

async function assertNoPrivateNames(page: Page, who: string): Promise<void> {
  for (const path of publicPages) {
    await page.goto(path);
    // Every request of the page answered, so what it shows is what the server sent.
    await page.waitForLoadState('networkidle');
    await page.locator('main h1').waitFor();
    assert.equal(await page.locator('main .loading').count(), 0, `${path} still loading`);
    const html = await page.content();
    for (const name of privateNames) assert.ok(!html.includes(name), `${who} sees "${name}" on ${path}`);
  }
  // Typed addresses of private content look exactly like addresses of nothing.
  for (const [path, missing, title] of [
    ['/projects/secret', '/projects/no-such-project', 'Project not found'],
    ['/repositories/secret/hidden-app', '/repositories/secret/no-such-app', 'Repository not found'],
    ['/repositories/secret/hidden-app/-/manifests/1.0', '/repositories/secret/no-such-app/-/manifests/1.0', 'Manifest not found'],
  ] as const) {
    await page.goto(path);
    await page.getByRole('heading', { name: title }).waitFor();
    const seen = (await page.locator('main').innerText()).replaceAll('hidden-app', 'X').replaceAll('secret', 'P');
    await page.goto(missing);
    await page.getByRole('heading', { name: title }).waitFor();
    const nothing = (await page.locator('main').innerText()).replaceAll('no-such-app', 'X').replaceAll('no-such-project', 'P').replaceAll('secret', 'P');
    assert.equal(seen, nothing, `${who}: ${path} differs from a missing one`);
  }
}

test('an admin sees the private project (so the checks below can fail)', async () => {
  const page = await newPage();
  await signIn(page);
  await page.goto('/search?q=hidden');
  await page.getByRole('link', { name: 'secret/hidden-app' }).waitFor();
  await page.goto('/repositories/web/app/-/manifests/1.0');
  await page.getByRole('link', { name: 'secret/hidden-app' }).first().waitFor();
});

test('a signed-in outsider sees no name from the private project on any page', async () => {
  const page = await newPage();
  await signIn(page, outsider);
  await assertNoPrivateNames(page, 'outsider');
});

test('an anonymous visitor sees no name from the private project on any page', async () => {
  const page = await newPage();
  await assertNoPrivateNames(page, 'anonymous');
  await page.goto('/');
  await page.getByRole('link', { name: 'web', exact: true }).waitFor();
  await axeCheck(page, 'anonymous overview');
  await screenshot(page, 'browse-overview-anonymous');
});

async function axeCheck(page: Page, name: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}:\n${describeViolations(violations)}`);
}
