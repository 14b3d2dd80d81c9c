/**
 * What browser tests do on a page: sign in like a user, take screenshots in light, dark and at
 * 390 px, run axe, and collect what the console and the CSP complained about.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import type { Credentials } from '../../e2e/support/berth-accounts.js';
import { admin } from './server.js';

/** Signs in through the form, as a user would, and waits for the user menu to show the name. */
export async function signIn(page: Page, as: Credentials = admin): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('User name').fill(as.username);
  await page.getByLabel('Password').fill(as.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: new RegExp(`Account: ${escapeRegExp(as.username)}`) }).waitFor();
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const screenshotDir = resolve(process.env.BERTH_UI_SCREENSHOTS ?? 'test-results/screenshots');

/**
 * Writes <name>-light.png, <name>-dark.png and <name>-390.png (light, 390 × 844) under
 * test-results/screenshots, then puts the page back as it was.
 */
export async function screenshot(page: Page, name: string): Promise<string[]> {
  await mkdir(screenshotDir, { recursive: true });
  const viewport = page.viewportSize();
  const files: string[] = [];
  const shoot = async (suffix: string) => {
    const path = join(screenshotDir, `${name}-${suffix}.png`);
    await page.screenshot({ path, fullPage: true, animations: 'disabled' });
    files.push(path);
  };
  await page.emulateMedia({ colorScheme: 'light' });
  await shoot('light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot('dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot('390');
  if (viewport) await page.setViewportSize(viewport);
  return files;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeSource: Promise<string> | undefined;

/**
 * Runs axe-core on the page as it is now and returns the serious and critical violations.
 * The script is evaluated through the DevTools protocol, which the page's CSP does not govern,
 * so the page keeps its real policy.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(axePath, 'utf8');
  const source = await axeSource;
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A readable list for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');
}

/**
 * Console errors, uncaught exceptions and CSP violations from the moment this is called: a page
 * that looks right but logs a blocked script or a failed request is still broken.
 * 401s from the session probe are expected for anonymous visitors and not collected.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (/status of 401/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}
