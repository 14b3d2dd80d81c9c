/**
 * Every key a config file may hold, and what Berth does with it. A registry:2 config.yml must
 * load unchanged, so Distribution's keys fall in three groups:
 * - honoured ("value"): Berth reads and validates them;
 * - ignored: accepted with a warning, because dropping them cannot lose data or weaken access
 *   control (caches, log formatting, debug servers, health checks, webhooks);
 * - refused: Berth cannot honour them yet and running without them would be unsafe or silently
 *   different (other storage drivers, auth, read-only mode, mutual TLS),
 *   so they are problems unless their value already matches what Berth does.
 * Anything else is an unknown key: a problem, with the nearest known name suggested.
 */
import { isEmpty, isRawMap, type RawValue } from './raw-value.js';

export type KeyRule = SectionRule | ValueRule | IgnoredRule | RefusedRule;

export interface SectionRule {
  readonly kind: 'section';
  readonly keys: Readonly<Record<string, KeyRule>>;
  /** Distribution also accepts the bare name ("storage: filesystem", "auth: none"). */
  readonly nameOnly?: boolean;
  /** Not a Distribution key: set from the environment with BERTH_ rather than REGISTRY_. */
  readonly berthOnly?: boolean;
}

export interface ValueRule {
  readonly kind: 'value';
  /** Strings are taken from env vars verbatim; other types are read as YAML, as Distribution does. */
  readonly type: 'string' | 'boolean' | 'duration' | 'count' | 'list' | 'structure';
}

export interface IgnoredRule {
  readonly kind: 'ignored';
  readonly why: string;
}

export interface RefusedRule {
  readonly kind: 'refused';
  readonly why: string;
  /** Values equivalent to Berth's own behaviour, accepted silently. */
  readonly sameAsBerth: (value: RawValue) => boolean;
}

const section = (keys: Record<string, KeyRule>, extra: Partial<SectionRule> = {}): SectionRule => ({
  kind: 'section',
  keys,
  ...extra,
});
const text: ValueRule = { kind: 'value', type: 'string' };
const flag: ValueRule = { kind: 'value', type: 'boolean' };
const duration: ValueRule = { kind: 'value', type: 'duration' };
const count: ValueRule = { kind: 'value', type: 'count' };
/** A YAML list, or a comma-separated string (as an environment variable gives it). */
const list: ValueRule = { kind: 'value', type: 'list' };
/**
 * A YAML list of mappings (notifications.endpoints), checked entry by entry by build-config.ts;
 * from the environment the whole list is one YAML value, as in Distribution, which cannot set
 * one list entry's field with a variable either.
 */
const structure: ValueRule = { kind: 'value', type: 'structure' };
const ignored = (why: string): IgnoredRule => ({ kind: 'ignored', why });
/** By default an empty value (null, "", [], {}) means "not configured" and is accepted. */
const refused = (why: string, sameAsBerth: (value: RawValue) => boolean = isEmpty): RefusedRule => ({
  kind: 'refused',
  why,
  sameAsBerth,
});
// A storage driver or auth provider is chosen by its name alone ("storage: s3", "inmemory:").
const refusedEvenEmpty = (why: string): RefusedRule => refused(why, () => false);

const NO_DRIVER = 'not supported yet; Berth supports storage.filesystem and storage.s3 (any S3-compatible store)';
const isTrue = (value: RawValue) => value === true || value === 'true';
const NO_AUTH = 'not supported yet; Berth will not start without the access control this asks for';
const isFalse = (value: RawValue) => isEmpty(value) || value === false;
const hasNoEnabledTrue = (value: RawValue) => !isRawMap(value) || value.enabled !== true;

export const CONFIG_KEYS: SectionRule = section({
  version: text,
  log: section({
    level: text,
    formatter: ignored('Berth always logs JSON lines'),
    fields: ignored('Berth adds its own fields to log lines'),
    accesslog: ignored('Berth always logs one line per request'),
    hooks: ignored('log hooks are not supported'),
    reportcaller: ignored('Berth does not log caller locations'),
  }),
  loglevel: text,
  storage: section(
    {
      filesystem: section({
        rootdirectory: text,
        maxthreads: ignored('Node performs filesystem I/O on its own thread pool'),
      }),
      delete: section({ enabled: flag }),
      maintenance: section({
        uploadpurging: section({
          enabled: flag,
          age: duration,
          interval: duration,
          dryrun: refused('a dry run is not supported; Berth would really purge', isFalse),
        }),
        readonly: refused('read-only mode is not supported yet; Berth would accept writes', hasNoEnabledTrue),
      }),
      cache: ignored('Berth keeps blob metadata in its own metadata store (blobdescriptor: redis or inmemory needs nothing here)'),
      redirect: section({ disable: flag }),
      tag: ignored('tag lookups are metadata queries in Berth'),
      inmemory: refusedEvenEmpty(NO_DRIVER),
      s3: section({
        region: text,
        regionendpoint: text,
        bucket: text,
        accesskey: text,
        secretkey: text,
        rootdirectory: text,
        chunksize: count,
        forcepathstyle: flag,
        // Transport and tuning details Berth settles itself; dropping them loses nothing.
        secure: ignored('the scheme of regionendpoint (https:// or http://) decides; AWS is always https'),
        v4auth: refused('only Signature Version 4 is supported; remove v4auth or set it to true', (v) => isEmpty(v) || isTrue(v)),
        multipartcopychunksize: ignored('server-side copies use parts of up to 5 GiB'),
        multipartcopymaxconcurrency: ignored('server-side copies run one part at a time'),
        multipartcopythresholdsize: ignored('objects up to 5 GiB are copied with one CopyObject'),
        useragent: ignored('the AWS SDK sets its own User-Agent'),
        loglevel: ignored('S3 requests are not logged separately'),
        // Unsafe or different to run without: refused unless they say what Berth already does.
        encrypt: refused('server-side encryption is not supported yet; enable default encryption on the bucket instead', isFalse),
        keyid: refused('KMS keys are not supported yet; set the bucket\'s default encryption instead'),
        skipverify: refused('TLS verification cannot be skipped; trust the endpoint\'s CA with NODE_EXTRA_CA_CERTS instead', isFalse),
        storageclass: refused('only the STANDARD storage class is supported; use a bucket lifecycle rule for others', (v) => isEmpty(v) || v === 'STANDARD'),
        objectacl: refused('objects are always private; remove objectacl', (v) => isEmpty(v) || v === 'private'),
        sessiontoken: refused('temporary credentials are not supported yet; use accesskey and secretkey', isEmpty),
        usedualstack: refused('dual-stack endpoints are not supported; set regionendpoint instead', isFalse),
        accelerate: refused('transfer acceleration is not supported; set regionendpoint instead', isFalse),
      }),
      's3-aws': refusedEvenEmpty(NO_DRIVER),
      azure: refusedEvenEmpty(NO_DRIVER),
      gcs: refusedEvenEmpty(NO_DRIVER),
      swift: refusedEvenEmpty(NO_DRIVER),
      oss: refusedEvenEmpty(NO_DRIVER),
    },
    { nameOnly: true },
  ),
  auth: section(
    {
      htpasswd: section({ realm: text, path: text }),
      token: section({
        realm: text,
        service: text,
        issuer: text,
        rootcertbundle: text,
        jwks: text,
        autoredirect: ignored('Berth announces the configured realm as it is'),
        signingalgorithms: ignored('Berth accepts ES256 and RS256 tokens'),
      }),
      silly: refusedEvenEmpty(NO_AUTH),
      // Present (usually as the shorthand `auth: none`) to turn access control off.
      none: section({}),
      builtin: section({
        service: text,
        issuer: text,
        realm: text,
        anonymouspull: flag,
        createprojects: flag,
        tokenttl: duration,
        auditretention: duration,
        loginthrottle: section({ freefailures: count, maxdelay: duration, peraddress: count, peraccount: count, window: duration }),
        session: section({ idletimeout: duration, lifetime: duration, maxperuser: count }),
      }),
    },
    { nameOnly: true },
  ),
  middleware: ignored('Berth has no middleware hooks; content is served directly'),
  reporting: ignored('error reporting services are not supported'),
  http: section({
    addr: text,
    net: refused('only "tcp" is supported', (value) => isEmpty(value) || value === 'tcp'),
    prefix: refused('not supported yet; Berth serves /v2/ at the root path', (value) => isEmpty(value) || value === '/'),
    host: text,
    secret: ignored('Berth keeps upload state server-side, so nothing is signed with it'),
    relativeurls: ignored('Berth builds Location headers from http.host or the request'),
    draintimeout: duration,
    // Berth's own: slow and stalled clients cannot hold the server's sockets.
    headertimeout: duration,
    bodyidletimeout: duration,
    keepalivetimeout: duration,
    maxconnections: count,
    workers: count,
    trustedproxies: list,
    connectors: list,
    tls: section({
      certificate: text,
      key: text,
      clientcas: refused('client certificate authentication is not supported yet'),
      clientauth: ignored('only meaningful with clientcas, which Berth does not support yet'),
      minimumtls: refused('only "tls1.2" (Node\'s minimum) is supported', (value) => isEmpty(value) || value === 'tls1.2'),
      ciphersuites: refused('not supported yet; Berth uses Node\'s default cipher suites'),
      letsencrypt: refused('not supported yet; set http.tls.certificate and http.tls.key'),
    }),
    debug: ignored('Berth serves /metrics, /healthz and /readyz on the main listener'),
    headers: ignored('custom response headers are not supported yet'),
    http2: ignored('Berth serves HTTP/1.1'),
    h2c: ignored('Berth serves HTTP/1.1'),
  }),
  notifications: section({
    endpoints: structure,
    events: section({ includereferences: flag }),
    // Berth's own: the durable queue the events wait in (core/events/).
    queue: section({ maxevents: count, logretention: duration }),
    // Berth's own: project webhooks (core/webhooks/).
    webhooks: section({ allowprivatetargets: flag }),
  }),
  // A registry:2 config for several replicas nearly always has these; refusing them would stop
  // the switch for nothing, and ignoring them silently would hide the one setting that matters.
  redis: ignored(
    'Berth needs no Redis: instances behind one load balancer share state through PostgreSQL, so give every instance ' +
      'the same database.url (or BERTH_DATABASE_URL); without it each instance keeps its own SQLite metadata',
  ),
  health: ignored('Berth serves /healthz and /readyz'),
  catalog: ignored('Berth paginates /v2/_catalog itself'),
  // registry:2's pull-through cache mode: every repository is proxied to remoteurl.
  proxy: section({ remoteurl: text, username: text, password: text, ttl: duration }),
  compatibility: ignored('schema 1 manifests are not supported'),
  validation: ignored('Berth applies its own manifest validation'),
  policy: ignored('repository class policies are not supported'),
  metadata: section({ sqlite: section({ path: text }) }, { berthOnly: true }),
  database: section({ url: text, poolsize: count, statementtimeout: duration, connecttimeout: duration }, { berthOnly: true }),
  lifecycle: section({ gc: section({ grace: duration, interval: duration }), restorewindow: duration }, { berthOnly: true }),
  uploads: section({ maxperaccount: count, maxperproject: count, reclaimafter: duration }, { berthOnly: true }),
  ui: section({ enabled: flag, path: text }, { berthOnly: true }),
});

