/**
 * Signing in and out of the web UI in a real browser against a real `berth serve`: with the
 * mouse, with the keyboard only, with a wrong password; the sign-in page's screenshots and axe.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type UiBrowser } from './support/browser.js';
import { axeViolations, describeViolations, screenshot, watchProblems } from './support/page.js';
import { admin, startUiServer, type UiServer } from './support/server.js';

let server: UiServer;
let browser: UiBrowser;

before(async () => {
  server = await startUiServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const signInButton = (page: Page) => page.getByRole('banner').getByRole('link', { name: 'Sign in' });
const accountButton = (page: Page) => page.getByRole('button', { name: /^Account: / });

test('an anonymous visitor signs in as the admin from the top bar, sees their name and the admin pages, and signs out', async () => {
  const page = await browser.newPage(server.url);
  const problems = watchProblems(page);
  await page.goto('/');
  await signInButton(page).click();
  await page.waitForURL('**/sign-in');
  await page.getByLabel('User name').fill(admin.username);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.waitForURL(server.url + '/');
  assert.ok(await page.getByRole('banner').getByText(admin.username, { exact: true }).isVisible(), 'the top bar shows who is signed in');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Overview', 'Projects', 'Users', 'Garbage collection', 'Audit log', 'Settings']) {
    assert.equal(await nav.getByRole('link', { name, exact: true }).count(), 1, `nav link ${name}`);
  }
  assert.equal(await signInButton(page).count(), 0);

  // A reload keeps the session: the cookie, not page state, says who is signed in.
  await page.reload();
  await accountButton(page).waitFor();

  await accountButton(page).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInButton(page).waitFor();
  assert.equal(await accountButton(page).count(), 0);
  assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0, 'admin pages leave the nav on sign-out');
  await page.reload();
  await signInButton(page).waitFor();
  assert.deepEqual(problems, []);
});

test('a wrong password shows the server\'s refusal and keeps the visitor signed out', async () => {
  const page = await browser.newPage(server.url);
  await page.goto('/sign-in');
  await page.getByLabel('User name').fill(admin.username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.notEqual((await alert.innerText()).trim(), '');
  assert.equal(await page.getByLabel('Password').inputValue(), '', 'the wrong password is cleared');
  assert.equal(await accountButton(page).count(), 0);
  assert.ok(page.url().endsWith('/sign-in'));
});

test('signing in and out works with the keyboard alone', async () => {
  const page = await browser.newPage(server.url);
  await page.goto('/');
  await signInButton(page).waitFor();
  // Tab from the top of the page to the Sign in button, as a keyboard user would.
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    if (focused === 'Sign in') break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Sign in', 'Tab reaches Sign in');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/sign-in');
  // The form puts the cursor in the user name field once it has rendered (the URL changes first).
  await page.waitForFunction(() => document.activeElement?.id === 'username', null, { timeout: 5000 }).catch(() => undefined);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'username');
  await page.keyboard.type(admin.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(admin.password);
  await page.keyboard.press('Enter');
  await accountButton(page).waitFor();

  await accountButton(page).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Sign out');
  await page.keyboard.press('Enter');
  await signInButton(page).waitFor();
});

test('the sign-in page has no serious accessibility violations, in light and dark, and is screenshotted', async () => {
  const page = await browser.newPage(server.url);
  const problems = watchProblems(page);
  await page.goto('/sign-in');
  await page.getByLabel('User name').waitFor();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${colorScheme}:\n${describeViolations(violations)}`);
  }
  const files = await screenshot(page, 'sign-in');
  assert.equal(files.length, 3);
  assert.deepEqual(problems, []);
});
