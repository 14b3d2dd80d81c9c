/**
 * What proxy projects cost and saved, per upstream, for /metrics: requests by result and the
 * bytes fetched from the upstream. Kept in memory per process, as Prometheus counters are.
 *   hit          served from the cache without asking the upstream
 *   miss         fetched from the upstream (a manifest or a blob not cached)
 *   revalidated  a cached tag past its TTL confirmed unchanged by a HEAD
 *   stale        served from the cache because the upstream failed (stale-if-error)
 *   error        the upstream failed and nothing cached could answer
 */
export type ProxyResult = 'hit' | 'miss' | 'revalidated' | 'stale' | 'error';

export class ProxyStats {
  private readonly requests = new Map<string, Map<ProxyResult, number>>();
  private readonly bytes = new Map<string, number>();

  count(upstream: string, result: ProxyResult): void {
    let byResult = this.requests.get(upstream);
    if (byResult === undefined) this.requests.set(upstream, (byResult = new Map()));
    byResult.set(result, (byResult.get(result) ?? 0) + 1);
  }

  addBytes(upstream: string, bytes: number): void {
    this.bytes.set(upstream, (this.bytes.get(upstream) ?? 0) + bytes);
  }

  requestSamples(): Array<{ labels: { upstream: string; result: ProxyResult }; value: number }> {
    return [...this.requests].flatMap(([upstream, byResult]) => [...byResult].map(([result, value]) => ({ labels: { upstream, result }, value })));
  }

  byteSamples(): Array<{ labels: { upstream: string }; value: number }> {
    return [...this.bytes].map(([upstream, value]) => ({ labels: { upstream }, value }));
  }
}
