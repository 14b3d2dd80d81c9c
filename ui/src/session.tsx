/**
 * Who is signed in. The cookie is HttpOnly, so the page learns it from GET /api/v1/session;
 * the CSRF token that comes with it is handed to the API client.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { request, setCsrfToken } from './api';

export type Role = 'admin' | 'maintainer' | 'developer' | 'guest';

export interface Me {
  kind: 'user';
  name: string;
  systemAdmin: boolean;
  projects: Array<{ project: string; role: Role }>;
}

interface SessionBody {
  signedIn?: boolean;
  user?: Me;
  csrfToken?: string;
  idleTimeoutSeconds?: number;
}

export interface Session {
  /** False until the first GET /api/v1/session answers. */
  ready: boolean;
  /** The signed-in user, or null when anonymous. */
  user: Me | null;
  /** Throws ApiError (401 with the server's message) on bad credentials. */
  signIn(username: string, password: string): Promise<Me>;
  signOut(): Promise<void>;
  /** Asks the server again (after a 401, or after changing one's own roles). */
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [ready, setReady] = useState(false);
  const [user, setUser] = useState<Me | null>(null);

  const apply = (body: SessionBody | undefined) => {
    const signedIn = Boolean(body?.user) && body?.signedIn !== false;
    setUser(signedIn ? body!.user! : null);
    setCsrfToken(signedIn ? (body?.csrfToken ?? null) : null);
    setReady(true);
  };

  const refresh = useCallback(async () => {
    try {
      apply(await request<SessionBody>('/api/v1/session', { allowUnauthorized: true }));
    } catch {
      apply(undefined);
    }
  }, []);

  useEffect(() => void refresh(), [refresh]);

  const session = useMemo<Session>(
    () => ({
      ready,
      user,
      refresh,
      async signIn(username, password) {
        setCsrfToken(null);
        const body = await request<SessionBody>('/api/v1/session', {
          method: 'POST',
          body: { username, password },
          allowUnauthorized: true,
        });
        apply(body);
        return body.user!;
      },
      async signOut() {
        try {
          await request('/api/v1/session', { method: 'DELETE', allowUnauthorized: true });
        } finally {
          apply(undefined);
        }
      },
    }),
    [ready, user, refresh],
  );

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The caller's role in a project, or null; system admins count as project admins. */
export function roleIn(user: Me | null, project: string): Role | null {
  if (!user) return null;
  if (user.systemAdmin) return 'admin';
  return user.projects.find((p) => p.project === project)?.role ?? null;
}
