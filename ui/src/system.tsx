/**
 * What the registry says about itself (GET /api/v1/system): the host for pull and push
 * commands. Under `auth: none` the management API is not registered (404), and the UI cannot
 * work at all: the app then shows one page saying so instead of a broken overview.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, request } from './api';

export interface SystemInfo {
  registryHost: string;
  anonymousPull: boolean;
  version: string;
}

export type SystemState =
  | { kind: 'loading' }
  | { kind: 'ready'; info: SystemInfo }
  | { kind: 'no-api' }
  | { kind: 'error'; error: unknown };

const SystemContext = createContext<SystemState>({ kind: 'loading' });

export function SystemProvider({ children }: { children: ComponentChildren }) {
  const [state, setState] = useState<SystemState>({ kind: 'loading' });
  useEffect(() => {
    request<SystemInfo>('/api/v1/system', { allowUnauthorized: true }).then(
      (info) => setState({ kind: 'ready', info }),
      (error: unknown) => setState(error instanceof ApiError && error.status === 404 ? { kind: 'no-api' } : { kind: 'error', error }),
    );
  }, []);
  return <SystemContext.Provider value={state}>{children}</SystemContext.Provider>;
}

export function useSystem(): SystemState {
  return useContext(SystemContext);
}

/** The registry's host for commands: the server's answer, else the address in the browser. */
export function useRegistryHost(): string {
  const state = useSystem();
  return state.kind === 'ready' ? state.info.registryHost : location.host;
}
