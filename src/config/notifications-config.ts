/**
 * registry:2's `notifications` section: a list of endpoints, each a mapping. Read here rather
 * than key by key in build-config.ts because the list has no fixed paths; every entry is checked
 * and every problem names the entry (`notifications.endpoints.1.url`).
 */
import type { NotificationEndpointConfig, NotificationsConfig } from './config.js';
import { DEFAULTS } from './defaults.js';
import { describe, isRawMap, type RawMap, type RawValue } from './raw-value.js';
import { parseGoDuration } from './go-duration.js';
import type { ValueReader } from './value-reader.js';

const ENDPOINT_KEYS = new Set(['name', 'url', 'headers', 'timeout', 'threshold', 'backoff', 'ignoredmediatypes', 'ignore', 'disabled']);
const ACTIONS = new Set(['push', 'pull', 'mount', 'delete']);

export function notifications(read: ValueReader): NotificationsConfig {
  const raw = read.raw(['notifications', 'endpoints']) as RawValue | undefined;
  const endpoints: NotificationEndpointConfig[] = [];
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw)) read.problem(['notifications', 'endpoints'], `expected a list of endpoints, got ${describe(raw)}`);
    else raw.forEach((entry, index) => {
      const endpoint = readEndpoint(read, entry, index);
      if (endpoint !== undefined) endpoints.push(endpoint);
    });
  }
  const names = new Set<string>();
  for (const endpoint of endpoints) {
    if (names.has(endpoint.name)) read.problem(['notifications', 'endpoints'], `two endpoints are named "${endpoint.name}"; names must be unique`);
    names.add(endpoint.name);
  }
  return {
    endpoints,
    includeReferences: read.boolean(['notifications', 'events', 'includereferences']) ?? false,
    maxEvents: read.integer(['notifications', 'queue', 'maxevents'], 1) ?? DEFAULTS.notifyMaxEvents,
    logRetentionSeconds: read.duration(['notifications', 'queue', 'logretention'], 'go-duration') ?? DEFAULTS.notifyLogRetentionSeconds,
    webhooks: { allowPrivateTargets: read.boolean(['notifications', 'webhooks', 'allowprivatetargets']) ?? false },
  };
}

function readEndpoint(read: ValueReader, entry: RawValue, index: number): NotificationEndpointConfig | undefined {
  // notifications.endpoints.1.url: the entry's index as a path segment, so the label also names
  // the variable that set the list.
  const at = (key?: string) => ['notifications', 'endpoints', String(index), ...(key === undefined ? [] : key.split('.'))];
  if (!isRawMap(entry)) {
    read.problem(at(), `expected a mapping with name and url, got ${describe(entry)}`);
    return undefined;
  }
  for (const key of Object.keys(entry)) if (!ENDPOINT_KEYS.has(key)) read.problem(at(key), 'unknown key');
  const name = text(read, entry.name, at('name'));
  const url = text(read, entry.url, at('url'));
  if (name === undefined) read.problem(at('name'), 'is required');
  if (url === undefined) read.problem(at('url'), 'is required: where the events are POSTed');
  else if (!isHttpUrl(url)) read.problem(at('url'), `expected an http:// or https:// URL, got "${url}"`);
  const ignore = entry.ignore;
  if (ignore !== undefined && ignore !== null && !isRawMap(ignore)) read.problem(at('ignore'), `expected a mapping with mediatypes and actions, got ${describe(ignore)}`);
  const ignoreMap: RawMap = isRawMap(ignore) ? ignore : {};
  const actions = strings(read, ignoreMap.actions, at('ignore.actions'));
  for (const action of actions) if (!ACTIONS.has(action)) read.problem(at('ignore.actions'), `"${action}" is not an action; use push, pull, mount or delete`);
  const threshold = entry.threshold;
  if (threshold !== undefined && threshold !== null && !(typeof threshold === 'number' && Number.isInteger(threshold) && threshold >= 0)) {
    read.problem(at('threshold'), `expected a whole number of at least 0, got ${describe(threshold)}`);
  }
  const disabled = entry.disabled;
  if (disabled !== undefined && disabled !== null && typeof disabled !== 'boolean') read.problem(at('disabled'), `expected a boolean, got ${describe(disabled)}`);
  if (name === undefined || url === undefined) return undefined;
  return {
    name,
    url,
    headers: headers(read, entry.headers, at('headers')),
    timeoutSeconds: duration(read, entry.timeout, at('timeout')) || DEFAULTS.notifyTimeoutSeconds,
    threshold: typeof threshold === 'number' && threshold > 0 ? threshold : DEFAULTS.notifyThreshold,
    backoffSeconds: duration(read, entry.backoff, at('backoff')) || DEFAULTS.notifyBackoffSeconds,
    ignoredMediaTypes: [...strings(read, entry.ignoredmediatypes, at('ignoredmediatypes')), ...strings(read, ignoreMap.mediatypes, at('ignore.mediatypes'))],
    ignoredActions: actions,
    disabled: disabled === true,
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function text(read: ValueReader, value: RawValue | undefined, path: string[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value) || isRawMap(value)) {
    read.problem(path, `expected a string, got ${describe(value)}`);
    return undefined;
  }
  return String(value);
}

function strings(read: ValueReader, value: RawValue | undefined, path: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    read.problem(path, `expected a list of strings, got ${describe(value)}`);
    return [];
  }
  return value.map(String);
}

/** Seconds; 0 when unset, as registry:2 reads a missing duration. */
function duration(read: ValueReader, value: RawValue | undefined, path: string[]): number {
  if (value === undefined || value === null || value === '') return 0;
  // A bare number is nanoseconds in Go's time.Duration, as registry:2 reads it.
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1e9;
  const seconds = typeof value === 'string' ? parseGoDuration(value) : undefined;
  if (seconds === undefined || seconds < 0) {
    read.problem(path, `expected a duration such as "500ms" or "5s", got ${describe(value)}`);
    return 0;
  }
  return seconds;
}

/** registry:2 reads each header as a list of values; a single string is accepted too. */
function headers(read: ValueReader, value: RawValue | undefined, path: string[]): Record<string, readonly string[]> {
  if (value === undefined || value === null) return {};
  if (!isRawMap(value)) {
    read.problem(path, `expected a mapping of header names to lists of values, got ${describe(value)}`);
    return {};
  }
  const out: Record<string, readonly string[]> = {};
  for (const [name, values] of Object.entries(value)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      read.problem(path, `"${name}" is not a valid header name`);
      continue;
    }
    const list = Array.isArray(values) ? values.map(String) : values === null ? [] : [String(values)];
    if (list.some((v) => /[\r\n\0]/.test(v))) {
      read.problem(path, `the value of "${name}" holds a line break`);
      continue;
    }
    out[name] = list;
  }
  return out;
}
