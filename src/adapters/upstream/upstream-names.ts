/**
 * How an upstream is named, and how repository names are spelled to it.
 *
 * Docker Hub has three host names for one registry: `docker.io` (what image references and the
 * engine's `registry-mirrors` use), `index.docker.io` (the v1 index, still in old configs) and
 * `registry-1.docker.io` (the only one that serves the v2 API). All three, with or without a
 * scheme, become `https://registry-1.docker.io`, and messages call it `docker.io`, the name
 * users know.
 *
 * Docker Hub's official images live under `library/`: `docker pull nginx` asks the registry for
 * `library/nginx`. So for Docker Hub a one-component name gets that prefix (`nginx` →
 * `library/nginx`); a name with a slash is left alone. Other registries have no such namespace
 * and names pass unchanged.
 */

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const DOCKER_HUB_API = 'https://registry-1.docker.io';

export interface UpstreamAddress {
  /** Scheme, host and port, no trailing slash: `https://registry-1.docker.io`. */
  origin: string;
  /** For messages and metrics: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  name: string;
  dockerHub: boolean;
}

/** Parses an upstream URL (a bare host means https); a path, query or credentials in it are refused. */
export function upstreamAddress(url: string): UpstreamAddress {
  const text = url.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new Error(`upstream URL ${JSON.stringify(url)} is not a URL; write it as https://registry.example.com`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`upstream URL ${JSON.stringify(url)} must use http or https`);
  }
  if (parsed.username || parsed.password) {
    throw new Error(`upstream URL ${JSON.stringify(url)} carries credentials; give them as username and password instead`);
  }
  if ((parsed.pathname !== '/' && parsed.pathname !== '/v2' && parsed.pathname !== '/v2/') || parsed.search || parsed.hash) {
    throw new Error(`upstream URL ${JSON.stringify(url)} must be the registry's root (no path, query or fragment)`);
  }
  if (DOCKER_HUB_HOSTS.has(parsed.hostname.toLowerCase())) {
    return { origin: DOCKER_HUB_API, name: 'docker.io', dockerHub: true };
  }
  return { origin: parsed.origin, name: parsed.host, dockerHub: false };
}

/** The repository name as the upstream expects it (Docker Hub's `library/` for one component). */
export function upstreamRepository(address: UpstreamAddress, repository: string): string {
  return address.dockerHub && !repository.includes('/') ? `library/${repository}` : repository;
}
