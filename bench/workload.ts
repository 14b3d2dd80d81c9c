/**
 * What a benchmark row is and what it gets to work with. Rows are independent: each prepares
 * the data it needs through `fixture`, which memoises per registry, so `--only` can pick any
 * subset and rows that share set-up (the pull set, the big blob) pay for it once.
 */
import type { RegistryProcess } from '../test/support/registry-process.js';
import { HttpClient } from './http-client.js';
import { Registry } from './oci.js';
import type { Profile } from './options.js';

export interface Measurement {
  value: number;
  /** Secondary numbers for the cell, e.g. "812 req/s, p50 3.1 ms". */
  detail?: string;
  /** Set when the registry did something else than the row intends, so no ratio is fair. */
  incomparable?: string;
}

export interface Row {
  id: string;
  title: string;
  unit: string;
  /** Throughput rows are better higher, time and memory rows better lower. */
  better: 'higher' | 'lower';
  run(ctx: BenchContext): Promise<Measurement>;
}

export class BenchContext {
  private readonly clients: HttpClient[] = [];
  private readonly fixtures = new Map<string, Promise<unknown>>();

  constructor(
    readonly target: RegistryProcess,
    readonly profile: Profile,
    /** Per-run scratch space shared by both registries (e.g. the generated skopeo image). */
    readonly scratch: string,
    readonly log: (message: string) => void,
    /** An Authorization header value every request carries (the --auth run). */
    readonly authorization?: string,
  ) {}

  /** Headers every request must carry, for the raw load generator's prebuilt requests. */
  get authHeaders(): Record<string, string> {
    return this.authorization ? { Authorization: this.authorization } : {};
  }

  /** A protocol client whose socket pool matches the row's concurrency. */
  registry(concurrency: number): Registry {
    const http = new HttpClient(this.target.url, concurrency, this.authHeaders);
    this.clients.push(http);
    return new Registry(http);
  }

  fixture<T>(key: string, build: () => Promise<T>): Promise<T> {
    let value = this.fixtures.get(key) as Promise<T> | undefined;
    if (value === undefined) {
      value = build();
      // A failed fixture is retried by the next row that needs it rather than cached as failed.
      value.catch(() => this.fixtures.delete(key));
      this.fixtures.set(key, value);
    }
    return value;
  }

  /** Ends every socket the row opened, including ones stuck on a stalled server. */
  closeClients(): void {
    for (const client of this.clients.splice(0)) client.close();
  }
}
