/**
 * Under `auth: none` (registry:2 without access control) the management API is off, so the web
 * UI cannot show projects: every page says why and how to turn the built-in accounts on,
 * instead of a broken overview.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { launchBrowser, type UiBrowser } from './support/browser.js';
import { axeViolations, describeViolations, screenshot, watchProblems } from './support/page.js';
import { uiDist } from './support/server.js';

let registry: RegistryProcess;
let browser: UiBrowser;

before(async () => {
  assert.ok(existsSync(join(uiDist, 'index.html')), 'run `npm run build:ui` first');
  registry = await startBerth({ auth: 'none' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await registry?.stop();
});

test('every page of a registry without access control explains that the web UI needs the built-in auth', async () => {
  const page = await browser.newPage(registry.url);
  const problems = watchProblems(page);
  for (const path of ['/', '/projects', '/repositories/team/app']) {
    await page.goto(path);
    await page.getByRole('heading', { name: 'This registry runs without access control' }).waitFor();
    const text = await page.locator('body').innerText();
    assert.match(text, /auth: none/);
    assert.match(text, /BERTH_ADMIN_PASSWORD/, 'says how to turn the accounts on');
    assert.doesNotMatch(text, /Overview|Sign in/, 'no broken app around it');
  }
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], describeViolations(violations));
  await screenshot(page, 'browse-auth-none');
  // The 404 of /api/v1/system is how the page knows; nothing else may fail.
  assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []);
});
