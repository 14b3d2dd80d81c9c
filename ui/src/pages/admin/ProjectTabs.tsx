/**
 * The header of a project's admin pages: breadcrumbs, the project name, and links between the
 * project's pages (repositories are C1's /projects/NAME). Links, not ARIA tabs: each is its own URL.
 */
import type { ComponentChildren } from 'preact';
import { PageHeader } from '../../components';
import { href, Link, useLocation } from '../../router';

export function ProjectTabs({ project, title, children }: { project: string; title: string; children?: ComponentChildren }) {
  const { path } = useLocation();
  const base = href('/projects', project);
  const tabs = [
    { to: base, label: 'Repositories' },
    { to: `${base}/members`, label: 'Members' },
    { to: `${base}/robots`, label: 'Robot accounts' },
    { to: `${base}/policy`, label: 'Policy' },
  ];
  return (
    <>
      <PageHeader
        title={`${project}: ${title}`}
        breadcrumbs={
          <>
            <Link href="/projects">Projects</Link> / <Link href={base}>{project}</Link>
          </>
        }
      >
        {children}
      </PageHeader>
      <nav class="subnav" aria-label={`Project ${project}`}>
        <ul class="subnav-list">
          {tabs.map((tab) => (
            <li key={tab.to}>
              <Link href={tab.to} class="subnav-link" aria-current={path === tab.to ? 'page' : undefined}>
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
    </>
  );
}
