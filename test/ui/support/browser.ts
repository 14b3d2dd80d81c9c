/**
 * Debian's Chromium (`chromium`, installed by scripts/ensure-test-deps.sh) driven through
 * playwright-core, which ships no browser of its own. Each launch gets a fresh profile: Playwright
 * makes a new temporary --user-data-dir for every launch() (it refuses one passed in args).
 * Nothing reaches the network but the server under test.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.BERTH_UI_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PageOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

export interface UiBrowser {
  browser: Browser;
  /** A page in a new context: its own cookies, so every test starts signed out. */
  newPage(baseURL: string, options?: PageOptions): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<UiBrowser> {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs, timeout: 60_000 });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(baseURL, options = {}) {
      const context = await browser.newContext({
        baseURL,
        colorScheme: options.colorScheme ?? 'light',
        viewport: options.viewport ?? { width: 1280, height: 800 },
        // No bypassCSP: the page must work under the server's real Content-Security-Policy.
      });
      context.setDefaultTimeout(15_000);
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}
