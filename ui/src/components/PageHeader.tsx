import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/** Sets the tab's title ("team/app · Berth"). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Berth` : 'Berth';
  }, [title]);
}

/** A page's <h1> (also the document title), with optional breadcrumbs above and actions beside. */
export function PageHeader({ title, breadcrumbs, actions, children }: {
  title: string;
  breadcrumbs?: ComponentChildren;
  actions?: ComponentChildren;
  children?: ComponentChildren;
}) {
  usePageTitle(title);
  return (
    <header class="page-header">
      {breadcrumbs ? <nav class="breadcrumbs" aria-label="Breadcrumbs">{breadcrumbs}</nav> : null}
      <div class="page-header-row">
        <h1 class="page-title">{title}</h1>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </div>
      {children ? <div class="page-subtitle">{children}</div> : null}
    </header>
  );
}
