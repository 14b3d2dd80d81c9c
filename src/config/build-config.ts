/**
 * Turns the checked raw tree into the typed BerthConfig: reads each honoured key, applies
 * defaults, checks values and the rules that span keys, and resolves relative paths against the
 * working directory (as Distribution does, so the same file means the same paths).
 */
import { resolve } from 'node:path';
import type { AuthConfig, BerthConfig, S3StorageConfig, LoginThrottleConfig, LogLevel, SessionConfig, TlsConfig } from './config.js';
import { DEFAULTS, defaultSqlitePath } from './defaults.js';
import { parseListenAddress } from './listen-address.js';
import { parseTrustedProxies } from './trusted-proxies.js';
import { parseConnectors, type ConnectorConfig } from './connectors.js';
import type { RawMap } from './raw-value.js';
import type { ValueOrigins } from './value-origins.js';
import { ValueReader } from './value-reader.js';

export interface BuildResult {
  config: BerthConfig;
  problems: string[];
  warnings: string[];
}

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug', 'trace'];
const SUPPORTED_VERSION = '0.1';
// SQLite's name for a database that lives and dies with the connection; not a path.
const SQLITE_IN_MEMORY = ':memory:';

export function buildConfig(tree: RawMap, origins: ValueOrigins, cwd: string): BuildResult {
  const read = new ValueReader(tree, origins);

  const version = read.string(['version']);
  if (version !== undefined && version !== SUPPORTED_VERSION) {
    read.problem(['version'], `"${version}" is not supported; Distribution config files are version ${SUPPORTED_VERSION}`);
  }

  const rootdirectory = resolve(cwd, read.string(['storage', 'filesystem', 'rootdirectory']) ?? DEFAULTS.rootdirectory);
  const sqlitePath = read.string(['metadata', 'sqlite', 'path']);

  const config: BerthConfig = {
    log: { level: logLevel(read) },
    http: {
      addr: listenAddr(read),
      host: externalHost(read),
      tls: tls(read, cwd),
      drainTimeoutSeconds: read.duration(['http', 'draintimeout'], 'go-duration') ?? DEFAULTS.drainTimeoutSeconds,
      connections: connectionLimits(read),
      trustedProxies: trustedProxies(read),
      connectors: [],
    },
    storage: {
      filesystem: { rootdirectory },
      ...s3Storage(read),
      redirect: { disable: read.boolean(['storage', 'redirect', 'disable']) ?? false },
      delete: { enabled: read.boolean(['storage', 'delete', 'enabled']) ?? DEFAULTS.deleteEnabled },
      maintenance: { uploadpurging: uploadPurging(read) },
    },
    auth: auth(read, cwd),
    lifecycle: lifecycle(read),
    uploads: uploads(read),
    ui: ui(read, cwd),
    database: database(read),
    metadata: {
      sqlite: {
        path:
          sqlitePath === SQLITE_IN_MEMORY ? sqlitePath : resolve(cwd, sqlitePath ?? defaultSqlitePath(rootdirectory)),
      },
    },
  };
  // Read last: its problems follow every other key's, and it checks its ports against http.addr's.
  config.http.connectors = connectors(read, config.http.addr);
  if (config.auth.mode === 'token' && config.http.connectors.length > 0) {
    // An external token server would grant the relative names a connector's clients ask for.
    read.problem(['http', 'connectors'], 'need auth.builtin, htpasswd or none: an external token server (auth.token) cannot know that a connector\'s names are relative to its project');
  }
  const proxy = registryProxy(read);
  if (proxy !== undefined) config.proxy = proxy;
  return { config, problems: read.problems, warnings: read.warnings };
}

const MIN_CHUNK_BYTES = 5 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 10 * 1024 * 1024;

function s3Storage(read: ValueReader): { s3?: S3StorageConfig } {
  if (!read.has(['storage', 's3'])) return {};
  const key = (name: string) => ['storage', 's3', name];
  const bucket = read.string(key('bucket'));
  if (bucket === undefined) read.problem(key('bucket'), 'is required: the bucket that holds the blobs (REGISTRY_STORAGE_S3_BUCKET)');
  const region = read.string(key('region'));
  const endpoint = read.string(key('regionendpoint'));
  if (region === undefined && endpoint === undefined) read.problem(key('region'), 'is required unless regionendpoint is set (e.g. us-east-1)');
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    read.problem(key('regionendpoint'), `"${endpoint}" is not an absolute http(s) URL such as "http://127.0.0.1:7480"`);
  }
  const accesskey = read.string(key('accesskey'));
  const secretkey = read.string(key('secretkey'));
  if ((accesskey === undefined) !== (secretkey === undefined)) {
    read.problem(key(accesskey === undefined ? 'accesskey' : 'secretkey'), 'is required with the other of accesskey and secretkey (or leave both unset for the AWS credential chain)');
  }
  const chunksize = read.integer(key('chunksize'), MIN_CHUNK_BYTES, 5 * 1024 * 1024 * 1024) ?? DEFAULT_CHUNK_BYTES;
  const rootdirectory = (read.string(key('rootdirectory')) ?? '').replace(/^\/+|\/+$/g, '');
  if (rootdirectory.split('/').some((part) => part === '.' || part === '..')) {
    read.problem(key('rootdirectory'), 'must not contain "." or ".." segments');
  }
  return {
    s3: {
      // Distribution needs a region even for other endpoints; most of them accept any.
      region: region ?? 'us-east-1',
      regionendpoint: endpoint?.replace(/\/+$/, ''),
      bucket: bucket ?? '',
      accesskey,
      secretkey,
      rootdirectory,
      chunksize,
      forcepathstyle: read.boolean(key('forcepathstyle')) ?? false,
    },
  };
}

function externalToken(read: ValueReader, cwd: string): AuthConfig {
  const key = (name: string) => ['auth', 'token', name];
  const required = (name: string): string => {
    const value = read.string(key(name));
    if (value === undefined) read.problem(key(name), 'is required for token authentication');
    return value ?? '';
  };
  const realm = required('realm');
  const service = required('service');
  const issuer = required('issuer');
  const bundle = read.string(key('rootcertbundle'));
  const jwks = read.string(key('jwks'));
  if (bundle === undefined && jwks === undefined) {
    read.problem(['auth', 'token'], 'needs rootcertbundle or jwks: the keys that sign the tokens');
  }
  return {
    mode: 'token',
    realm,
    service,
    issuer,
    rootCertBundle: bundle === undefined ? undefined : resolve(cwd, bundle),
    jwks: jwks === undefined ? undefined : resolve(cwd, jwks),
  };
}

function auth(read: ValueReader, cwd: string): AuthConfig {
  if (read.has(['auth', 'none'])) {
    if (read.has(['auth', 'builtin'])) read.problem(['auth'], 'choose one of "none" and "builtin"');
    read.warn(['auth', 'none'], 'access control is off: anyone who can reach the registry can push, pull and delete');
    return { mode: 'none' };
  }
  if (read.has(['auth', 'htpasswd'])) {
    if (read.has(['auth', 'builtin'])) read.problem(['auth'], 'choose one of "htpasswd" and "builtin"');
    const path = read.string(['auth', 'htpasswd', 'path']);
    if (path === undefined) read.problem(['auth', 'htpasswd', 'path'], 'is required: the htpasswd file (bcrypt entries, htpasswd -B)');
    return { mode: 'htpasswd', realm: read.string(['auth', 'htpasswd', 'realm']) ?? 'Registry Realm', path: resolve(cwd, path ?? '') };
  }
  if (read.has(['auth', 'token'])) return externalToken(read, cwd);
  const base = ['auth', 'builtin'];
  const realm = read.string([...base, 'realm']);
  if (realm !== undefined && !/^https?:\/\/[^/]+/.test(realm)) read.problem([...base, 'realm'], `"${realm}" is not an absolute http(s) URL`);
  return {
    mode: 'builtin',
    service: read.string([...base, 'service']) ?? DEFAULTS.authService,
    issuer: read.string([...base, 'issuer']) ?? DEFAULTS.authIssuer,
    realm,
    anonymousPull: read.boolean([...base, 'anonymouspull']) ?? DEFAULTS.anonymousPull,
    createProjectsOnPush: read.boolean([...base, 'createprojects']) ?? DEFAULTS.createProjectsOnPush,
    tokenTtlSeconds: read.duration([...base, 'tokenttl'], 'duration-string') ?? DEFAULTS.tokenTtlSeconds,
    auditRetentionSeconds: read.duration([...base, 'auditretention'], 'go-duration') ?? DEFAULTS.auditRetentionSeconds,
    loginThrottle: loginThrottle(read),
    session: session(read),
  };
}

function session(read: ValueReader): SessionConfig {
  const key = (name: string) => ['auth', 'builtin', 'session', name];
  const positiveDuration = (name: string, fallback: number) => {
    const seconds = read.duration(key(name), 'duration-string');
    if (seconds === 0) read.problem(key(name), 'must be greater than 0');
    return seconds || fallback;
  };
  const idle = positiveDuration('idletimeout', DEFAULTS.sessionIdleTimeoutSeconds);
  const lifetime = positiveDuration('lifetime', DEFAULTS.sessionLifetimeSeconds);
  if (idle > lifetime) read.problem(key('idletimeout'), `is longer than auth.builtin.session.lifetime (${lifetime} s), which would cut it short`);
  return { idleTimeoutSeconds: idle, lifetimeSeconds: lifetime, maxPerUser: read.integer(key('maxperuser'), 1, 10_000) ?? DEFAULTS.sessionMaxPerUser };
}

/** registry:2's default tag TTL in proxy mode. */
const REGISTRY_PROXY_TTL_SECONDS = 168 * 3600;

function registryProxy(read: ValueReader): BerthConfig['proxy'] {
  const key = (name: string) => ['proxy', name];
  const remoteUrl = read.string(key('remoteurl'));
  const username = read.string(key('username'));
  const password = read.string(key('password'));
  const ttl = read.duration(key('ttl'), 'go-duration');
  if (remoteUrl === undefined) {
    if (username !== undefined || password !== undefined || ttl !== undefined) read.problem(key('remoteurl'), 'is required with the other proxy keys: the registry to cache (REGISTRY_PROXY_REMOTEURL)');
    return undefined;
  }
  if (!/^https?:\/\/[^/?#]+/i.test(remoteUrl)) read.problem(key('remoteurl'), `must be an http(s) URL such as https://registry-1.docker.io, got "${remoteUrl}"`);
  if ((username === undefined) !== (password === undefined)) read.problem(key(username === undefined ? 'username' : 'password'), 'is required with the other of username and password');
  return { remoteUrl, username, password, ttlSeconds: ttl ?? REGISTRY_PROXY_TTL_SECONDS };
}

function ui(read: ValueReader, cwd: string): BerthConfig['ui'] {
  const path = read.string(['ui', 'path']);
  return { enabled: read.boolean(['ui', 'enabled']) ?? DEFAULTS.uiEnabled, path: path === undefined ? undefined : resolve(cwd, path) };
}

function loginThrottle(read: ValueReader): LoginThrottleConfig {
  const key = (name: string) => ['auth', 'builtin', 'loginthrottle', name];
  const positiveDuration = (name: string, fallback: number) => {
    const seconds = read.duration(key(name), 'duration-string');
    if (seconds === 0) read.problem(key(name), 'must be greater than 0');
    return seconds || fallback;
  };
  return {
    freeFailures: read.integer(key('freefailures'), 0) ?? DEFAULTS.loginFreeFailures,
    maxDelaySeconds: positiveDuration('maxdelay', DEFAULTS.loginMaxDelaySeconds),
    perAddress: read.integer(key('peraddress'), 1) ?? DEFAULTS.loginPerAddress,
    perAccount: read.integer(key('peraccount'), 1) ?? DEFAULTS.loginPerAccount,
    windowSeconds: positiveDuration('window', DEFAULTS.loginWindowSeconds),
  };
}

function connectionLimits(read: ValueReader): BerthConfig['http']['connections'] {
  const timeout = (key: string, fallback: number) => {
    const seconds = read.duration(['http', key], 'duration-string');
    if (seconds === 0) read.problem(['http', key], 'must be greater than 0');
    return seconds || fallback;
  };
  return {
    headerTimeoutSeconds: timeout('headertimeout', DEFAULTS.headerTimeoutSeconds),
    bodyIdleTimeoutSeconds: timeout('bodyidletimeout', DEFAULTS.bodyIdleTimeoutSeconds),
    keepAliveTimeoutSeconds: timeout('keepalivetimeout', DEFAULTS.keepAliveTimeoutSeconds),
    maxConnections: read.integer(['http', 'maxconnections'], 0, 1_000_000) ?? DEFAULTS.maxConnections,
  };
}

function logLevel(read: ValueReader): LogLevel {
  const current = read.string(['log', 'level']);
  const deprecated = read.string(['loglevel']);
  if (deprecated !== undefined) read.warn(['loglevel'], 'deprecated in Distribution; use log.level');
  const [path, text] = current !== undefined ? [['log', 'level'], current] : [['loglevel'], deprecated];
  if (text === undefined) return DEFAULTS.logLevel;
  const known = LOG_LEVELS.find((candidate) => candidate === text.toLowerCase());
  if (known === undefined) read.problem(path, `"${text}" is not one of ${LOG_LEVELS.join(', ')}`);
  return known ?? DEFAULTS.logLevel;
}

function listenAddr(read: ValueReader): string {
  const addr = read.string(['http', 'addr']);
  if (addr === undefined) return DEFAULTS.httpAddr;
  const parsed = parseListenAddress(addr);
  if ('invalid' in parsed) read.problem(['http', 'addr'], parsed.invalid);
  return addr;
}

/** Kept without a trailing slash so callers can append "/v2/…" directly. */
function externalHost(read: ValueReader): string | undefined {
  const host = read.string(['http', 'host']);
  if (host === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(host);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    read.problem(['http', 'host'], `"${host}" is not an absolute http(s) URL such as "https://registry.example.com"`);
    return undefined;
  }
  return host.replace(/\/+$/, '');
}

function connectors(read: ValueReader, addr: string): ConnectorConfig[] {
  const { connectors, problems } = parseConnectors(read.raw(['http', 'connectors']), addr);
  for (const problem of problems) read.problem(['http', 'connectors'], problem);
  return connectors;
}

function trustedProxies(read: ValueReader): string[] {
  const { proxies, problems } = parseTrustedProxies(read.raw(['http', 'trustedproxies']));
  for (const problem of problems) read.problem(['http', 'trustedproxies'], problem);
  return proxies;
}

function tls(read: ValueReader, cwd: string): TlsConfig | undefined {
  const certificate = read.string(['http', 'tls', 'certificate']);
  const key = read.string(['http', 'tls', 'key']);
  if (certificate !== undefined && key !== undefined) {
    return { certificate: resolve(cwd, certificate), key: resolve(cwd, key) };
  }
  if (certificate !== undefined || key !== undefined) {
    const [present, missing] = certificate !== undefined ? ['certificate', 'key'] : ['key', 'certificate'];
    read.problem(['http', 'tls'], `${present} is set but ${missing} is missing`);
  }
  return undefined;
}

function lifecycle(read: ValueReader): BerthConfig['lifecycle'] {
  return {
    gc: {
      graceSeconds: read.duration(['lifecycle', 'gc', 'grace'], 'duration-string') ?? DEFAULTS.gcGraceSeconds,
      intervalSeconds: read.duration(['lifecycle', 'gc', 'interval'], 'duration-string') ?? DEFAULTS.gcIntervalSeconds,
    },
    restoreWindowSeconds: read.duration(['lifecycle', 'restorewindow'], 'duration-string') ?? DEFAULTS.restoreWindowSeconds,
  };
}

function database(read: ValueReader): BerthConfig['database'] {
  const url = read.string(['database', 'url']);
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    // The value may be a URL with a password: name only its scheme.
    read.problem(['database', 'url'], `expected a postgres:// or postgresql:// URL, got one starting "${url.split(':')[0]}:"`);
  }
  const connectTimeout = read.duration(['database', 'connecttimeout'], 'duration-string');
  if (connectTimeout === 0) read.problem(['database', 'connecttimeout'], 'must be greater than 0');
  return {
    url,
    poolSize: read.integer(['database', 'poolsize'], 1) ?? DEFAULTS.databasePoolSize,
    statementTimeoutSeconds: read.duration(['database', 'statementtimeout'], 'duration-string') ?? DEFAULTS.databaseStatementTimeoutSeconds,
    connectTimeoutSeconds: connectTimeout || DEFAULTS.databaseConnectTimeoutSeconds,
  };
}

function uploads(read: ValueReader): BerthConfig['uploads'] {
  const reclaimAfter = read.duration(['uploads', 'reclaimafter'], 'duration-string');
  // Zero would let any start close every other session of its project that is between chunks.
  if (reclaimAfter === 0) read.problem(['uploads', 'reclaimafter'], 'must be greater than 0');
  return {
    maxPerAccount: read.integer(['uploads', 'maxperaccount'], 1) ?? DEFAULTS.uploadsMaxPerAccount,
    maxPerProject: read.integer(['uploads', 'maxperproject'], 1) ?? DEFAULTS.uploadsMaxPerProject,
    reclaimAfterSeconds: reclaimAfter || DEFAULTS.uploadsReclaimAfterSeconds,
  };
}

function uploadPurging(read: ValueReader): BerthConfig['storage']['maintenance']['uploadpurging'] {
  const base = ['storage', 'maintenance', 'uploadpurging'];
  const enabled = read.boolean([...base, 'enabled']) ?? DEFAULTS.uploadPurgingEnabled;
  const age = read.duration([...base, 'age'], 'duration-string');
  const interval = read.duration([...base, 'interval'], 'duration-string');
  // A zero interval would spin; a zero age would delete uploads still in progress.
  if (enabled && age === 0) {
    read.problem([...base, 'age'], 'must be greater than 0 while upload purging is enabled');
  }
  if (enabled && interval === 0) {
    read.problem([...base, 'interval'], 'must be greater than 0 while upload purging is enabled');
  }
  return {
    enabled,
    ageSeconds: age || DEFAULTS.uploadPurgingAgeSeconds,
    intervalSeconds: interval || DEFAULTS.uploadPurgingIntervalSeconds,
  };
}
