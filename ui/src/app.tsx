/** The whole app: providers, the layout, and the page the route table picks for the URL. */
import { useEffect } from 'preact/hooks';
import { setUnauthorizedHandler } from './api';
import { Loading, ToastProvider } from './components';
import { Layout } from './layout/Layout';
import { Forbidden, NotFound } from './pages/NotFound';
import { matchPath, navigate, signInHref, useLocation, type Params } from './router';
import { routes, type Route } from './routes';
import { SessionProvider, useSession } from './session';
import { SystemProvider, useSystem } from './system';
import { AuthNone } from './pages/AuthNone';

function pick(path: string): { route: Route; params: Params } | null {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

function Page() {
  const { path } = useLocation();
  const session = useSession();
  const match = pick(path);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      void session.refresh();
      if (location.pathname !== '/sign-in') navigate(signInHref());
    });
  }, [session.refresh]);

  const needsUser = match?.route.access !== undefined;
  useEffect(() => {
    if (session.ready && needsUser && !session.user) navigate(signInHref(), { replace: true });
  }, [session.ready, session.user, needsUser]);

  if (!match) return <NotFound />;
  if (needsUser && !session.ready) return <Loading />;
  if (needsUser && !session.user) return <Loading label="Redirecting to sign in…" />;
  if (match.route.access === 'admin' && !session.user?.systemAdmin) return <Forbidden />;
  const Component = match.route.component;
  // Keyed by path, so moving between two repositories starts the page afresh.
  return <Component key={path} params={match.params} />;
}

/** Under `auth: none` there is no management API: one explanatory page instead of the app. */
function Shell() {
  const system = useSystem();
  if (system.kind === 'loading') return <Loading />;
  if (system.kind === 'no-api') return <AuthNone />;
  return (
    <SessionProvider>
      <ToastProvider>
        <Layout>
          <Page />
        </Layout>
      </ToastProvider>
    </SessionProvider>
  );
}

export function App() {
  return (
    <SystemProvider>
      <Shell />
    </SystemProvider>
  );
}
