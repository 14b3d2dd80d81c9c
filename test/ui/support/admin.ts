/**
 * Helpers of the admin-page browser tests: the API as the signed-in page sees it (same cookie,
 * from inside the page), and the screenshot + axe check every admin page gets.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { axeViolations, describeViolations, screenshot } from './page.js';

/** A GET through the page's own fetch, with its session cookie; the JSON body. */
export async function pageGet<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => {
    const response = await fetch(p, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`${p}: ${response.status}`);
    return response.json();
  }, path) as Promise<T>;
}

/** Screenshots (light, dark, 390 px) and no serious or critical axe violations in light and dark. */
export async function checkPage(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${name} (${colorScheme}):\n${describeViolations(violations)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, name);
}
