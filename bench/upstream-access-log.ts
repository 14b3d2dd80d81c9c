/**
 * The requests that reached a Distribution started with `accessLog: true`, read from its own
 * access log. Counting at the upstream this way costs the bench nothing: a forwarding proxy in
 * the bench process (what the tests use) shared the pulling client's CPU and roughly halved what
 * it could pull, so the cold-pull ratio measured the bench as much as the cache.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RegistryProcess } from '../test/support/registry-process.js';

export interface LoggedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  status: number;
}

/** A combined-format line's request and status: `"GET /v2/ HTTP/1.1" 200`. */
const LINE = /"([A-Z]+) (\S+) HTTP\/\d\.\d" (\d{3}) /g;
/**
 * Distribution writes a request's line once its response is done, and the line then crosses a
 * pipe: a line can arrive after the client saw the response. Generous for loopback.
 */
const SETTLE_MS = 200;

export class UpstreamAccessLog {
  private from = 0;

  constructor(private readonly upstream: RegistryProcess) {}

  /** Forget what was logged so far, requests just answered included. */
  async reset(): Promise<void> {
    await sleep(SETTLE_MS);
    this.from = this.upstream.output().length;
  }

  /** Requests logged since the last reset, requests just answered included. */
  async requests(): Promise<LoggedRequest[]> {
    await sleep(SETTLE_MS);
    const text = this.upstream.output().slice(this.from);
    return [...text.matchAll(LINE)].map((m) => ({ method: m[1]!, url: m[2]!, status: Number(m[3]) }));
  }
}
