/**
 * Product name, search, navigation (admin pages for system admins only) and the user menu, or
 * a Sign in button for anonymous visitors. On narrow screens the nav collapses behind a button.
 */
import { useState } from 'preact/hooks';
import { Link, navigate, signInHref, useLocation } from '../router';
import { useSession } from '../session';
import { UserMenu } from './UserMenu';

const mainNav = [
  { href: '/', label: 'Overview' },
  { href: '/projects', label: 'Projects' },
];
const adminNav = [
  { href: '/users', label: 'Users' },
  { href: '/gc', label: 'Garbage collection' },
  { href: '/audit', label: 'Audit log' },
  { href: '/settings', label: 'Settings' },
];

function isCurrent(path: string, href: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

function SearchBox() {
  const { path, query } = useLocation();
  const [text, setText] = useState(path === '/search' ? (query.get('q') ?? '') : '');
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const q = text.trim();
        if (q) navigate(`/search?q=${encodeURIComponent(q)}`);
      }}
    >
      <label class="visually-hidden" for="global-search">
        Search repositories
      </label>
      <input
        id="global-search"
        class="input search-input"
        type="search"
        placeholder="Search repositories"
        autoComplete="off"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
    </form>
  );
}

export function TopBar() {
  const { path } = useLocation();
  const { user, ready } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const items = user?.systemAdmin ? [...mainNav, ...adminNav] : mainNav;

  return (
    <header class="topbar">
      <div class="topbar-inner">
        <Link href="/" class="brand">
          Berth
        </Link>
        <button
          type="button"
          class="button nav-toggle"
          aria-expanded={menuOpen}
          aria-controls="primary-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="primary-nav" class={`nav${menuOpen ? ' nav-open' : ''}`} aria-label="Main">
          <ul class="nav-list">
            {items.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  class="nav-link"
                  aria-current={isCurrent(path, item.href) ? 'page' : undefined}
                  onClick={() => setMenuOpen(false)}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <SearchBox />
        <div class="topbar-user">
          {!ready ? null : user ? (
            <UserMenu name={user.name} />
          ) : path === '/sign-in' ? null : (
            <Link href={signInHref()} class="button button-primary">
              Sign in
            </Link>
          )}
        </div>
      </div>
    </header>
  );
}
