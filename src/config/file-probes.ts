/**
 * The files a valid config points at, checked the way `berth serve` will use them: TLS
 * certificate and key readable, PEM, and a pair; the htpasswd file a readable file; the data
 * root (and the database beside it) writable by this account. Each problem is one line saying
 * what is wrong and how to fix it; `berth config check` lists them all, `berth serve` stops at
 * the first. Only reads and stats: nothing is created, so a check never changes the machine.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { BerthConfig } from './config.js';

export function referencedFileProblems(config: BerthConfig): string[] {
  const problems: string[] = [];
  if (config.http.tls) problems.push(...tlsProblems(config.http.tls.certificate, config.http.tls.key));
  if (config.auth.mode === 'htpasswd') {
    const problem = htpasswdProblem(config.auth.path);
    if (problem) problems.push(problem);
  }
  if (config.auth.mode === 'token') {
    for (const [key, path, variable] of [
      ['auth.token.rootcertbundle', config.auth.rootCertBundle, 'REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE'],
      ['auth.token.jwks', config.auth.jwks, 'REGISTRY_AUTH_TOKEN_JWKS'],
    ] as const) {
      const result = path === undefined ? undefined : readable(path, key, variable);
      if (result && 'problem' in result) problems.push(result.problem);
    }
  }
  const root = config.storage.filesystem.rootdirectory;
  const rootProblem = writableDirectoryProblem(root, 'storage.filesystem.rootdirectory', 'REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY');
  if (rootProblem) problems.push(rootProblem);
  const database = config.metadata.sqlite.path;
  // With database.url the SQLite file is not used; the server is checked when serve connects.
  if (!rootProblem && config.database.url === undefined && database !== ':memory:' && database !== '') {
    const problem = databaseProblem(database);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The account berth runs as, as a permission message names it. */
export function currentUser(): string {
  try {
    const { username, uid } = userInfo();
    return `"${username}" (uid ${uid})`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

export function tlsProblems(certificate: string, key: string): string[] {
  const certText = readable(certificate, 'http.tls.certificate', 'REGISTRY_HTTP_TLS_CERTIFICATE');
  const keyText = readable(key, 'http.tls.key', 'REGISTRY_HTTP_TLS_KEY');
  const unreadable = [certText, keyText].filter((r): r is { problem: string } => 'problem' in r).map((r) => r.problem);
  if (unreadable.length > 0 || !('text' in certText) || !('text' in keyText)) return unreadable;
  const cert = certText.text;
  const keyPem = keyText.text;
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(cert) && keyPem.includes('-----BEGIN CERTIFICATE-----')) {
      return [`http.tls.certificate "${certificate}" holds a private key and http.tls.key "${key}" a certificate: the two are swapped; exchange them`];
    }
    return [`http.tls.certificate "${certificate}" is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line); convert it (openssl x509 -in FILE -out cert.pem) or point http.tls.certificate at the PEM file`];
  }
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch (error) {
    return [`http.tls.certificate "${certificate}" cannot be parsed as a certificate (${(error as Error).message}); give a PEM certificate`];
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (error) {
    if (keyPem.includes('-----BEGIN CERTIFICATE-----') && !/PRIVATE KEY-----/.test(keyPem)) {
      return [`http.tls.key "${key}" holds a certificate, not a private key; point http.tls.key at the certificate's private key (PEM)`];
    }
    if (/passphrase|ENCRYPTED/i.test(`${(error as Error).message} ${keyPem.slice(0, 200)}`)) {
      return [`http.tls.key "${key}" is encrypted with a passphrase; give Berth an unencrypted copy (openssl pkey -in ${key} -out key.pem)`];
    }
    return [`http.tls.key "${key}" is not a PEM private key (${(error as Error).message}); point http.tls.key at the certificate's private key`];
  }
  if (!parsed.checkPrivateKey(privateKey)) {
    return [`http.tls.key "${key}" is not the private key of the certificate in http.tls.certificate "${certificate}"; give the key the certificate was issued for`];
  }
  return [];
}

export function htpasswdProblem(path: string): string | undefined {
  const create = `create it with \`htpasswd -Bc ${path} USER\` (bcrypt entries only)`;
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `auth.htpasswd.path "${path}" does not exist; ${create}, or fix the path (REGISTRY_AUTH_HTPASSWD_PATH)`;
    return `auth.htpasswd.path "${path}" cannot be reached by user ${currentUser()} (${code}); fix its permissions or the path`;
  }
  if (!isFile) return `auth.htpasswd.path "${path}" is a directory, not a file; point it at the htpasswd file, or ${create}`;
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    return `auth.htpasswd.path "${path}" cannot be read by user ${currentUser()} (${(error as NodeJS.ErrnoException).code}); give that user read access`;
  }
  return undefined;
}

/**
 * A directory berth must write in: present and writable, or absent with an existing, writable
 * ancestor to create it in (serve creates it on first start).
 */
export function writableDirectoryProblem(path: string, key: string, variable: string): string | undefined {
  const fix = `or choose another directory with ${key} (${variable})`;
  let existing = resolve(path);
  for (;;) {
    try {
      const stat = statSync(existing);
      if (!stat.isDirectory()) {
        return existing === resolve(path)
          ? `${key} "${path}" is a file, not a directory; remove it ${fix}`
          : `${key} "${path}" cannot be created: "${existing}" is a file, not a directory; ${fix.slice(3)}`;
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return `${key} "${path}" cannot be reached by user ${currentUser()} (${code}); fix the permissions on its path ${fix}`;
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only filesystem' : `is not writable by user ${currentUser()}`;
    if (existing === resolve(path)) {
      return `${key} "${path}" ${why}; ${code === 'EROFS' ? 'mount it read-write' : `make it theirs (chown -R ${userInfoName()} ${path})`} ${fix}`;
    }
    return `${key} "${path}" does not exist and cannot be created: "${existing}" ${why}; create it for that user (mkdir -p ${path} && chown ${userInfoName()} ${path}) ${fix}`;
  }
  return undefined;
}

function databaseProblem(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return writableDirectoryProblem(dirname(path), 'metadata.sqlite.path\'s directory', 'BERTH_METADATA_SQLITE_PATH');
    return `metadata.sqlite.path "${path}" is not writable by user ${currentUser()} (${code}); make it theirs (chown ${userInfoName()} ${path}) or choose another path with BERTH_METADATA_SQLITE_PATH`;
  }
}

function readable(path: string, key: string, variable: string): { text: string } | { problem: string } {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: `${key} "${path}" does not exist; fix the path (${variable}) or put the file there` };
    if (code === 'EISDIR') return { problem: `${key} "${path}" is a directory; point ${key} (${variable}) at the file` };
    return { problem: `${key} "${path}" cannot be read by user ${currentUser()} (${code}); give that user read access or point ${variable} at a readable copy` };
  }
}

function userInfoName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'USER');
  }
}
