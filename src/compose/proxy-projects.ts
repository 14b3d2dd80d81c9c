/**
 * Proxy projects' wiring: the sealed-secret key file beside the token signing key, the HTTP
 * upstream client, and the settings store; shared by `berth serve` and the admin CLI.
 */
import { join } from 'node:path';
import { AesGcmSecretBox } from '../adapters/crypto/aes-gcm-secret-box.js';
import { openHttpUpstream } from '../adapters/upstream/http-upstream-registry.js';
import type { BerthConfig, RegistryProxyConfig } from '../config/config.js';
import { normalizeUpstreamUrl } from '../core/mirror/proxy-settings.js';
import type { ProxyAdminDeps } from '../core/mirror/proxy-admin.js';
import type { ProxySettings, ProxyStore } from '../ports/proxy-store.js';
import type { SecretBox } from '../ports/secret-box.js';

/** `<root>/auth/secrets.key`: made at first use, 0600 (see adapters/crypto/aes-gcm-secret-box.ts). */
export function secretBox(config: BerthConfig): SecretBox {
  return new AesGcmSecretBox(join(config.storage.filesystem.rootdirectory, 'auth', 'secrets.key'));
}

export function proxyAdminDeps(config: BerthConfig, store: ProxyStore, changed?: (project: string) => void): ProxyAdminDeps {
  return { store, secrets: secretBox(config), openUpstream: openHttpUpstream, ...(changed === undefined ? {} : { changed }) };
}

/** registry:2's `proxy:` section as a proxy project's settings (the password sealed like theirs). */
export async function registryProxySettings(proxy: RegistryProxyConfig, secrets: SecretBox): Promise<ProxySettings> {
  return {
    url: normalizeUpstreamUrl(proxy.remoteUrl),
    username: proxy.username,
    sealedPassword: proxy.password === undefined ? undefined : await secrets.seal(proxy.password),
    ttlSeconds: proxy.ttlSeconds,
    skipVerify: false,
  };
}
