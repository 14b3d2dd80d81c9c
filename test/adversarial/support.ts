/**
 * What the adversarial suite shares: a real `berth serve` child process with built-in auth and
 * a known admin password, a liveness probe, the server's resident memory, and a tally of answers
 * by status printed as a table. Each file states its own attack; this holds only the plumbing.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import { startBerth, type RegistryProcess } from '../support/registry-process.js';
import { basic, withHeaders } from '../http/support/auth.js';
import { client, expectStatus, json } from '../http/support/http-client.js';
import { splitResponse } from '../http/support/raw-http.js';

export const ADMIN_PASSWORD = 'adversarial-admin-pw';
export const ADMIN = { username: 'admin', password: ADMIN_PASSWORD };

/** A real server process with access control on, its bootstrap admin's password known. */
export function startGuardedBerth(env: Record<string, string> = {}): Promise<RegistryProcess> {
  return startBerth({ auth: 'builtin', env: { BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env } });
}

export function basicOf(credentials: { username: string; password: string }): string {
  return basic(credentials.username, credentials.password);
}

/** True while the child has neither exited nor been killed. */
export function isAlive(server: RegistryProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/**
 * GET /healthz on a fresh connection (never a pooled one, so a server that only answers old
 * sockets still fails); resolves to the status, or throws after `timeoutMs`.
 */
export function healthz(server: RegistryProcess, timeoutMs = 10_000): Promise<number> {
  return new Promise((ok, fail) => {
    const request = http.get(`${server.url}/healthz`, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () => ok(response.statusCode ?? 0));
    });
    request.once('timeout', () => request.destroy(new Error(`/healthz did not answer within ${timeoutMs} ms`)));
    request.once('error', fail);
  });
}

/** Fails unless the process is alive and /healthz answers 200 now. */
export async function assertHealthy(server: RegistryProcess, context: string): Promise<void> {
  assert.ok(isAlive(server), `${context}: the server process died:\n${server.output().slice(-3000)}`);
  assert.equal(await healthz(server), 200, `${context}: /healthz`);
}

/** The resident set of the server process, in bytes (Linux /proc). */
export async function rssOf(server: RegistryProcess): Promise<number> {
  const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  assert.ok(match, 'no VmRSS in /proc/<pid>/status');
  return Number(match[1]) * 1024;
}

/** Counts answers by a label (a status, or `hang-up`), and prints them as a table. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(label: string | number): void {
    const key = String(label);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get(label: string | number): number {
    return this.counts.get(String(label)) ?? 0;
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  table(title: string): string {
    const rows = [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b));
    return [`${title}: ${this.total()} requests`, ...rows.map(([label, count]) => `  ${label.padEnd(10)} ${String(count).padStart(7)}`)].join('\n');
  }
}

/**
 * Whether `text` is the OCI error envelope: `{"errors":[{code,message,…}]}` with a non-empty
 * string code and message. Looser than http-client's assertEnvelope (any code, extra keys in
 * an entry tolerated) because a fuzzer cannot know which code a random request deserves.
 */
export function isEnvelope(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return false;
  const first = errors[0] as Record<string, unknown> | null;
  return typeof first?.code === 'string' && first.code !== '' && typeof first.message === 'string' && first.message !== '';
}

/** Runs `work` on `items` with at most `limit` in flight; resolves to the results in order. */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

export type RawOutcome =
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: Buffer }
  /** The server closed the connection without a complete response head. */
  | { kind: 'hang-up'; received: string }
  | { kind: 'timeout'; received: string };

/**
 * Writes `data` on a fresh connection (so anything may be sent: NUL bytes, lying lengths) and
 * reads until the server closes or `timeoutMs` passes. Never throws: the caller counts what
 * came back. `endAfterWrite` half-closes our side, for bodies shorter than they claim.
 */
export function sendRaw(
  server: RegistryProcess,
  data: Buffer,
  options: { timeoutMs?: number; endAfterWrite?: boolean; localAddress?: string } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress: options.localAddress }, () => {
      socket.write(data, () => {
        if (options.endAfterWrite) socket.end();
      });
    });
    let settled = false;
    const finish = (outcome: () => RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome());
    };
    const timer = setTimeout(() => finish(() => ({ kind: 'timeout', received: Buffer.concat(chunks).toString('latin1').slice(0, 300) })), options.timeoutMs ?? 15_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(() => parseRaw(Buffer.concat(chunks))));
  });
}

function parseRaw(bytes: Buffer): RawOutcome {
  const parsed = splitResponse(bytes);
  return parsed ? { kind: 'answer', ...parsed } : { kind: 'hang-up', received: bytes.toString('latin1').slice(0, 300) };
}

export interface Seeded {
  /** A user with no system rights: admin of project `team` (private), developer of `pub` (public). */
  dev: { username: string; password: string };
  /** A personal access token of `dev`, the whole `bpat_…` string. */
  devPat: string;
  /** robot$team+ci, pull and push in `team`. */
  robot: { username: string; password: string };
}

/**
 * Accounts and projects made the way an operator would, through /api/v1 as the bootstrap
 * admin: projects `team` (private) and `pub` (public), user `dev` (admin of team, developer of
 * pub), a PAT of dev's, a robot in team, and a bystander user `other` (no memberships).
 */
export async function seedAccounts(server: RegistryProcess): Promise<Seeded> {
  const admin = withHeaders(client(server.url), { authorization: basicOf(ADMIN), 'content-type': 'application/json' });
  const post = async (path: string, body: unknown, status = 201) => {
    const reply = await admin.post(path, { body: JSON.stringify(body) });
    expectStatus(reply, status, `seed: POST ${path}`);
    return json(reply);
  };
  const dev = { username: 'dev', password: 'dev-password-1' };
  await post('/api/v1/users', { name: dev.username, password: dev.password });
  await post('/api/v1/users', { name: 'other', password: 'other-password-1' });
  await post('/api/v1/projects', { name: 'team', visibility: 'private' });
  await post('/api/v1/projects', { name: 'pub', visibility: 'public' });
  for (const [project, role] of [['team', 'admin'], ['pub', 'developer']] as const) {
    const reply = await admin.put(`/api/v1/projects/${project}/members/dev`, { body: JSON.stringify({ role }) });
    expectStatus(reply, 200, `seed: dev in ${project}`);
  }
  const robot = await post('/api/v1/projects/team/robots', { name: 'ci', actions: ['pull', 'push'] });
  const pat = await post('/api/v1/users/dev/tokens', { name: 'seeded' });
  return {
    dev,
    devPat: String(pat.token),
    robot: { username: String(robot.name), password: String(robot.secret) },
  };
}
