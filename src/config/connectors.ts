/**
 * `http.connectors`: extra listen addresses, each bound to one project or group (Nexus's
 * "connector ports"), so `docker pull HOST:5001/ubuntu` is `all/ubuntu`. Each entry is
 * `project=addr` (`all=:5001`, `team=127.0.0.1:5002`) or, in YAML, `{project: all, addr: ":5001"}`;
 * a YAML list, or one comma-separated string (how an environment variable carries it).
 * Addresses are checked like http.addr; no two listeners may share a port (whatever their
 * hosts: a port on the wildcard address clashes with any host's, and telling apart two
 * specific hosts on one port is not worth a start that fails later).
 */
import { parseListenAddress } from './listen-address.js';

export interface ConnectorConfig {
  /** The project (hosted, proxy or group) whose names the port serves, relative to it. */
  project: string;
  /** host:port or :port, as http.addr. */
  addr: string;
}

// One name component of the reference grammar (core/reference, which config may not import).
const PROJECT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const SHAPE = 'expected "project=addr" (such as "all=:5001") or {project, addr}';

export function parseConnectors(value: unknown, mainAddr: string): { connectors: ConnectorConfig[]; problems: string[] } {
  if (value === undefined || value === null || value === '') return { connectors: [], problems: [] };
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (items === undefined) return { connectors: [], problems: [`${SHAPE}, in a list`] };
  const connectors: ConnectorConfig[] = [];
  const problems: string[] = [];
  const taken = new Map<number, string>();
  const main = parseListenAddress(mainAddr);
  if (!('invalid' in main)) taken.set(main.port, 'http.addr');
  for (const item of items) {
    if (typeof item === 'string' && item.trim() === '') continue;
    const entry = entryOf(item);
    if (entry === undefined) {
      problems.push(`${JSON.stringify(item)}: ${SHAPE}`);
      continue;
    }
    if (!PROJECT.test(entry.project) || entry.project.length > 255) {
      problems.push(`${JSON.stringify(entry.project)} is not a project name (one lowercase name component, such as "all")`);
      continue;
    }
    const parsed = parseListenAddress(entry.addr);
    if ('invalid' in parsed) {
      problems.push(`connector of ${entry.project}: ${parsed.invalid}`);
      continue;
    }
    const clash = parsed.port === 0 ? undefined : taken.get(parsed.port);
    if (clash !== undefined) {
      problems.push(`connector of ${entry.project}: ${entry.addr} is already the address of ${clash}`);
      continue;
    }
    if (parsed.port !== 0) taken.set(parsed.port, `the connector of ${entry.project}`);
    connectors.push(entry);
  }
  return { connectors, problems };
}

function entryOf(item: unknown): ConnectorConfig | undefined {
  if (typeof item === 'string') {
    const equals = item.indexOf('=');
    if (equals === -1) return undefined;
    return { project: item.slice(0, equals).trim(), addr: item.slice(equals + 1).trim() };
  }
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    const { project, addr, ...rest } = item as Record<string, unknown>;
    if (typeof project !== 'string' || typeof addr !== 'string' || Object.keys(rest).length > 0) return undefined;
    return { project, addr };
  }
  return undefined;
}

