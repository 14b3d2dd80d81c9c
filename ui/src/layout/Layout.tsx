/** The frame of every page: a skip link, the top bar, the page, and nothing inline-styled. */
import type { ComponentChildren } from 'preact';
import { TopBar } from './TopBar';

export function Layout({ children }: { children: ComponentChildren }) {
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <TopBar />
      <main id="main" class="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
