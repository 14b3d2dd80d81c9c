/**
 * Asks a server's /healthz again and again while something else goes on, recording how long
 * each answer took: the check that one client's request cannot freeze the server for others.
 */
import * as http from 'node:http';

export interface ProbeResult {
  /** Latency of each probe in ms; a probe that got no answer within the timeout is Infinity. */
  latencies: number[];
  /** Status of each answered probe. */
  statuses: number[];
}

/** One GET /healthz on a fresh connection; resolves to [status, ms], status 0 on timeout or error. */
export function probeOnce(base: string, timeoutMs: number): Promise<[number, number]> {
  const started = Date.now();
  return new Promise((done) => {
    const request = http.get(new URL('/healthz', base), { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => done([response.statusCode ?? 0, Date.now() - started]));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => done([0, Infinity]));
  });
}

/** Probes every `everyMs` until `until` settles (and at least `minimum` times). */
export async function probeWhile(base: string, until: Promise<unknown>, options: { everyMs?: number; timeoutMs?: number; minimum?: number } = {}): Promise<ProbeResult> {
  const { everyMs = 200, timeoutMs = 3000, minimum = 3 } = options;
  let settled = false;
  void until.then(
    () => (settled = true),
    () => (settled = true),
  );
  const result: ProbeResult = { latencies: [], statuses: [] };
  while (!settled || result.latencies.length < minimum) {
    const [status, ms] = await probeOnce(base, timeoutMs);
    result.latencies.push(ms);
    result.statuses.push(status);
    if (status === 0) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return result;
}
