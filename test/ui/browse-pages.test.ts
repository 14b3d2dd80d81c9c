/**
 * The browse pages in a real browser against a real `berth serve` holding images pushed with
 * skopeo: the overview, search, projects, a project, a repository and its tags, a manifest (an
 * image and a multi-arch index). Each page shows what a user expects, passes axe (no serious or
 * critical violations, light and dark) and is screenshotted; the main flow works by keyboard.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type UiBrowser } from './support/browser.js';
import { pushImage } from './support/images.js';
import { axeViolations, describeViolations, screenshot, signIn, watchProblems } from './support/page.js';
import { admin, startUiServer, type UiServer } from './support/server.js';

let server: UiServer;
let browser: UiBrowser;
let page: Page;
let problems: string[];

before(async () => {
  server = await startUiServer();
  browser = await launchBrowser();
  await server.accounts.project('web', 'public');
  page = await browser.newPage(server.url);
  problems = watchProblems(page);
  await signIn(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function checkPage(name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${name} (${colorScheme}):\n${describeViolations(violations)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, `browse-${name}`);
  assert.deepEqual(problems, [], `${name}: console or CSP problems`);
}

const main = () => page.locator('main');

/** Tags the manifest of `from` under many names through the registry API (faster than skopeo). */
async function tagMany(repository: string, from: string, tags: string[]): Promise<void> {
  const basic = Buffer.from(`${admin.username}:${admin.password}`).toString('base64');
  const tokenReply = await fetch(`${server.url}/token?service=berth&scope=repository:${repository}:pull,push`, { headers: { authorization: `Basic ${basic}` } });
  const { token } = (await tokenReply.json()) as { token: string };
  const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.oci.image.manifest.v1+json' };
  const manifest = await fetch(`${server.url}/v2/${repository}/manifests/${from}`, { headers });
  assert.equal(manifest.status, 200);
  const body = Buffer.from(await manifest.arrayBuffer());
  for (const tag of tags) {
    const put = await fetch(`${server.url}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { authorization: headers.authorization, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body,
    });
    assert.equal(put.status, 201, `tag ${tag}`);
  }
}

test('before anything is pushed, the overview says how to push the first image to this registry', async () => {
  await page.goto('/');
  await main().getByText('Push your first image').waitFor();
  assert.ok((await main().innerText()).includes(`docker tag IMG ${server.host}/project/app:1.0 && docker push ${server.host}/project/app:1.0`));
  await checkPage('overview-empty');
  await pushImage(server, 'single', 'web/app:1.0');
  await pushImage(server, 'single', 'web/app:latest');
  await pushImage(server, 'signature', 'web/app:sig');
  await pushImage(server, 'index', 'web/multi:2.0');
});

test('the overview shows storage, the project, the biggest repositories and recent pushes', async () => {
  await page.goto('/');
  await main().getByRole('heading', { name: 'Recent pushes' }).waitFor();
  const text = await main().innerText();
  assert.match(text, /stored in all/);
  assert.match(text, /web\/multi:2\.0/, 'the index push is listed');
  assert.match(text, /web\/app:1\.0/);
  assert.ok(await main().getByRole('link', { name: 'web', exact: true }).isVisible(), 'the project links to its page');
  assert.ok(await main().getByRole('heading', { name: 'Garbage collection' }).isVisible(), 'admins see the collector');
  await checkPage('overview');
});

test('search finds repositories by name and shows none for nonsense', async () => {
  await page.goto('/search?q=multi');
  await main().getByRole('link', { name: 'web/multi' }).waitFor();
  assert.match(await main().innerText(), /1 repository matches/);
  assert.equal(await main().getByRole('link', { name: 'web/app' }).count(), 0);
  await checkPage('search');
  await page.goto('/search?q=zzz-nothing');
  await main().getByText('No repository matches').waitFor();
});

test('the projects list and the project page list what was pushed', async () => {
  await page.goto('/projects');
  await main().getByRole('link', { name: 'web', exact: true }).waitFor();
  assert.match(await main().innerText(), /Public/);
  await checkPage('projects');
  await main().getByRole('link', { name: 'web', exact: true }).click();
  await page.waitForURL('**/projects/web');
  await main().getByRole('link', { name: 'web/app' }).waitFor();
  assert.ok(await main().getByRole('link', { name: 'web/multi' }).isVisible());
  for (const name of ['Members', 'Robots', 'Policy']) assert.ok(await main().getByRole('link', { name }).isVisible(), `${name} link`);
  // The filter goes to the server and keeps only what matches.
  await page.getByLabel('Filter by name or description').fill('multi');
  await page.waitForURL('**/projects/web?q=multi');
  await main().getByRole('link', { name: 'web/app' }).waitFor({ state: 'detached' });
  assert.ok(await main().getByRole('link', { name: 'web/multi' }).isVisible());
  await page.getByLabel('Filter by name or description').fill('');
  await main().getByRole('link', { name: 'web/app' }).waitFor();
  await checkPage('project');
});

test('the repository page shows the pull commands and the tags with digests, platforms and markers', async () => {
  await page.goto('/repositories/web/app');
  const table = main().getByRole('table', { name: 'Tags of web/app' });
  await table.waitFor();
  const text = await main().innerText();
  assert.ok(text.includes(`docker pull ${server.host}/web/app:latest`), 'the docker pull command names this registry and latest');
  assert.ok(text.includes(`podman pull ${server.host}/web/app:latest`));
  for (const tag of ['1.0', 'latest', 'sig']) assert.ok(await table.getByRole('link', { name: tag, exact: true }).isVisible(), `tag ${tag}`);
  const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: '1.0', exact: true }) });
  assert.match(await row.innerText(), /Signed/, 'the signed image is marked');
  await checkPage('repository');

  await page.goto('/repositories/web/multi');
  const multi = main().getByRole('table', { name: 'Tags of web/multi' });
  await multi.waitFor();
  const platforms = await multi.innerText();
  for (const platform of ['linux/amd64', 'linux/arm64/v8', 'linux/s390x']) assert.ok(platforms.includes(platform), platform);
});

test('the manifest page of an image shows config, layers with their commands, referrers and the raw JSON', async () => {
  await page.goto('/repositories/web/app/-/manifests/1.0');
  await main().getByRole('heading', { name: 'Layers' }).waitFor();
  const text = await main().innerText();
  assert.match(text, /berth-e2e layer 0/);
  assert.match(text, /berth-e2e layer 2/);
  assert.match(text, /PATH=\/usr\/local\/bin/);
  assert.match(text, /\["\/hello"\]/, 'the command');
  assert.match(text, /org\.example\.e2e/, 'labels');
  assert.match(text, /Signature/, 'the signature referrer');
  assert.match(await main().locator('pre.raw').innerText(), /"schemaVersion": 2/);
  await checkPage('manifest');
});

test('an index shows a tab per platform and each tab loads its own manifest', async () => {
  await page.goto('/repositories/web/multi/-/manifests/2.0');
  const tabs = main().getByRole('tablist', { name: 'Platforms' });
  await tabs.waitFor();
  assert.deepEqual(await tabs.getByRole('tab').allInnerTexts(), ['linux/amd64', 'linux/arm64/v8', 'linux/s390x']);
  const panel = main().getByRole('tabpanel');
  await panel.getByText('linux/amd64', { exact: true }).first().waitFor();
  await panel.getByText('berth-e2e layer 0').first().waitFor();
  await tabs.getByRole('tab', { name: 'linux/arm64/v8' }).click();
  await panel.getByText('Platform').first().waitFor();
  await panel.locator('dd', { hasText: 'linux/arm64' }).waitFor();
  assert.match(page.url(), /platform=sha256/);
  // Arrow keys move between tabs.
  await tabs.getByRole('tab', { name: 'linux/arm64/v8' }).focus();
  await page.keyboard.press('ArrowRight');
  await panel.locator('dd', { hasText: 'linux/s390x' }).waitFor();
  await checkPage('manifest-index');
});

test('keyboard only: Tab to the search box, search, open the repository, open a tag', async () => {
  await page.goto('/');
  await main().getByRole('heading', { name: 'Recent pushes' }).waitFor();
  const focused = () => page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { id: el?.id ?? '', text: el?.textContent?.trim() ?? '' };
  });
  const tabTo = async (want: (f: { id: string; text: string }) => boolean, limit = 80) => {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      if (want(await focused())) return;
    }
    assert.fail(`Tab never reached the element (last: ${JSON.stringify(await focused())})`);
  };
  await page.locator('body').focus();
  await tabTo((f) => f.id === 'global-search');
  await page.keyboard.type('app');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/search?q=app');
  await main().getByRole('link', { name: 'web/app' }).waitFor();
  await tabTo((f) => f.text === 'web/app');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/repositories/web/app');
  await main().getByRole('table', { name: 'Tags of web/app' }).waitFor();
  await tabTo((f) => f.text === '1.0');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/repositories/web/app/-/manifests/1.0');
  await main().getByRole('heading', { name: 'Layers' }).waitFor();
});

test('a repository with more tags than a page pages and sorts on the server', async () => {
  await tagMany('web/app', '1.0', Array.from({ length: 60 }, (_, i) => `build-${String(i).padStart(3, '0')}`));
  await page.goto('/repositories/web/app?sort=tag');
  const table = main().getByRole('table', { name: 'Tags of web/app' });
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), 50, 'one page of 50');
  await main().getByText('1–50 of 63').waitFor();
  assert.equal(await table.locator('tbody tr').first().getByRole('link').first().innerText(), '1.0', 'sorted by tag');
  await main().getByRole('button', { name: 'Next' }).click();
  await main().getByText('51–63 of 63').waitFor();
  assert.match(page.url(), /page=2/);
  assert.equal(await table.locator('tbody tr').count(), 13);
  // The filter asks the server and starts again at page 1.
  await page.getByLabel('Filter tags').fill('build-05');
  await page.waitForURL(/q=build-05/);
  await page.waitForFunction(() => document.querySelectorAll('main table.table tbody tr').length === 10);
  assert.deepEqual((await table.locator('tbody tr a.tag-name').allInnerTexts()).sort(), Array.from({ length: 10 }, (_, i) => `build-05${i}`));
  assert.doesNotMatch(page.url(), /page=/);
  // Sorting by size sends sort=-size (biggest first).
  await page.getByLabel('Filter tags').fill('');
  await main().getByText('1–50 of 63').waitFor();
  await table.getByRole('button', { name: /Size/ }).click();
  await page.waitForURL(/sort=-size/);
  assert.equal(await table.getByRole('columnheader', { name: /Size/ }).getAttribute('aria-sort'), 'descending');
});

test('a signed-in user stars a repository and the star stays after a reload', async () => {
  await page.goto('/repositories/web/multi');
  const star = main().getByRole('button', { name: /^☆?\s*Star/ });
  await star.click();
  const starred = main().getByRole('button', { name: /Starred/ });
  await starred.waitFor();
  assert.equal(await starred.getAttribute('aria-pressed'), 'true');
  await page.reload();
  await main().getByRole('button', { name: /Starred\s*1/ }).waitFor();
  await page.goto('/search?q=multi');
  await main().getByText('1 stars').or(main().getByTitle('1 stars')).first().waitFor();
});
