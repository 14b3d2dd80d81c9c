/**
 * One GET with the bench's own Node client, in a process of its own, printed as curl's
 * `-w '%{http_code} %{size_download} %{time_total}'` would print it. Row 5b runs it per pull: in
 * the bench's process, after the rows before it, the same client read a 1 GiB blob at ~640
 * MiB/s from either registry, and at 1.6–2.2 GB/s in a fresh process (bench/floor/pull-floor.js),
 * so the row measured the bench's heap rather than the registries. A fourth field gives the
 * process's minor page faults (big-pull.ts says why they matter).
 *
 *   node dist/bench/node-pull.js URL   (BENCH_PULL_AUTHORIZATION: an Authorization header value)
 */
import { HttpClient } from './http-client.js';

const url = new URL(process.argv[2] ?? '');
const authorization = process.env.BENCH_PULL_AUTHORIZATION;
const http = new HttpClient(url.origin, 1, authorization ? { Authorization: authorization } : {});
const started = performance.now();
const res = await http.request('GET', url.pathname + url.search, { discardBody: true });
const seconds = (performance.now() - started) / 1000;
http.close();
process.stdout.write(`${res.status} ${res.bodyBytes} ${seconds} ${process.resourceUsage().minorPageFault}\n`);
