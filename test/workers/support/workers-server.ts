/**
 * `berth serve --workers 2` as a real child process, and what the worker tests observe of it:
 * each request on a fresh connection (the supervisor deals connections out round-robin, so
 * consecutive ones reach different workers), the request log lines that name the worker that
 * answered, and the worker processes under the supervisor.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as http from 'node:http';
import { startBerth, type RegistryProcess, type StartOptions } from '../../support/registry-process.js';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestLine {
  worker: number;
  method: string;
  route: string;
  status: number;
  bytesIn: number;
}

export interface WorkersServer {
  registry: RegistryProcess;
  /** One request on its own connection (no keep-alive). */
  fresh(method: string, path: string, options?: { headers?: Record<string, string>; body?: Buffer }): Promise<Answer>;
  /** The request log so far: one line per answered request, with the worker that answered. */
  requests(): RequestLine[];
  /**
   * The request lines that match, once there are at least `count` (a line is written when its
   * response ends and reaches this process through a pipe, so it can trail the response).
   */
  logged(match: (line: RequestLine) => boolean, count: number): Promise<RequestLine[]>;
  /** The supervisor's children (the workers' pids). */
  workerPids(): number[];
  /** Waits until `count` workers are serving (after a start or a restart). */
  waitForWorkers(count: number, exclude?: readonly number[]): Promise<number[]>;
}

export async function startWorkers(options: StartOptions = {}): Promise<WorkersServer> {
  const registry = await startBerth({ workers: 2, ...options, env: { REGISTRY_LOG_LEVEL: 'info', ...options.env } });
  const server: WorkersServer = {
    registry,
    fresh: (method, path, o = {}) => fresh(registry.url, method, path, o),
    requests: () => requestLines(registry.output()),
    async logged(match, count) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const lines = requestLines(registry.output()).filter(match);
        if (lines.length >= count || Date.now() > deadline) return lines;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    workerPids: () => childrenOf(registry.child.pid ?? -1),
    async waitForWorkers(count, exclude = []) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pids = childrenOf(registry.child.pid ?? -1).filter((pid) => !exclude.includes(pid));
        const serving = pids.filter((pid) => registry.output().includes(`"pid":${pid},"msg":"berth is serving"`));
        if (serving.length >= count) return serving;
        if (Date.now() > deadline) throw new Error(`${serving.length} of ${count} workers serving after 30 s:\n${registry.output().slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
  await server.waitForWorkers(2);
  return server;
}

export function fresh(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, base), {
      method,
      agent: false,
      headers: { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(options.body.length) }) },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

function requestLines(output: string): RequestLine[] {
  const lines: RequestLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{') || !text.includes('"msg":"request"')) continue;
    const line = JSON.parse(text) as RequestLine;
    lines.push({ worker: line.worker, method: line.method, route: line.route, status: line.status, bytesIn: line.bytesIn });
  }
  return lines;
}

/** Child pids of `parent`, from each process's parent in /proc/<pid>/stat. */
export function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) children.push(Number(entry));
    } catch {
      continue;
    }
  }
  return children;
}

/**
 * The worker that holds the server side of a client connection: the socket whose peer port is
 * the client's local port (/proc/net/tcp), found among a worker's open descriptors.
 */
export function workerHolding(serverPort: number, clientPort: number, workers: readonly number[]): number | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (fields[1]!.endsWith(`:${hex(serverPort)}`) && fields[2]!.endsWith(`:${hex(clientPort)}`)) inode = fields[9];
    }
  }
  if (inode === undefined) return undefined;
  for (const pid of workers) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
        } catch {
          continue;
        }
      }
    } catch {
      continue;
    }
  }
  return undefined;
}

/** A PATCH that sends `first` bytes now and the rest when told: a request in flight on purpose. */
export interface SlowPatch {
  clientPort: number;
  finish(): void;
  /** The status, or the error's code when the connection broke. */
  answer: Promise<number | string>;
}

export async function slowPatch(base: string, path: string, body: Buffer, first: number): Promise<SlowPatch> {
  const request = http.request(new URL(path, base), {
    method: 'PATCH',
    agent: false,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
  });
  const answer = new Promise<number | string>((resolve) => {
    request.on('response', (response) => (response.resume(), resolve(response.statusCode ?? 0)));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  const socket = await new Promise<import('node:net').Socket>((resolve) => request.once('socket', (s) => s.once('connect', () => resolve(s))));
  request.write(body.subarray(0, first));
  return { clientPort: socket.localPort ?? 0, finish: () => request.end(body.subarray(first)), answer };
}
