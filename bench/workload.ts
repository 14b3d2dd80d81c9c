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
  /** Overrides the harness's per-row timeout (rows that seed thousands of objects first). */
  timeoutMs?: number;
  run(ctx: BenchContext): Promise<Measurement>;
  /** Set for rows made of repeated samples (sampledRow builds both this and `run`). */
  sampled?: Sampled<unknown>;
}

/**
 * A row whose number summarises repeated samples (a docker pull, a cold proxy pull). With both
 * registries up, the harness takes one sample from each in turn, so the two sets of samples
 * come from the same minutes of the machine; one pull of the same registry has moved by more
 * than the gap between the registries.
 */
export interface Sampled<S> {
  count(profile: Profile): number;
  /** Sample `i`, from 0; one target's samples are taken in order. */
  take(ctx: BenchContext, i: number): Promise<S>;
  summarise(ctx: BenchContext, samples: S[]): Promise<Measurement>;
}

/** A row of samples; run on one registry alone, it takes them one after the other. */
export function sampledRow<S>(row: Omit<Row, 'run' | 'sampled'>, sampled: Sampled<S>): Row {
  return {
    ...row,
    sampled: sampled as Sampled<unknown>,
    run: async (ctx) => {
      const samples: S[] = [];
      for (let i = 0; i < sampled.count(ctx.profile); i++) samples.push(await sampled.take(ctx, i));
      return sampled.summarise(ctx, samples);
    },
  };
}

/**
 * Thrown by a row whose workload cannot exist on this registry (not a failure): the cell says
 * "n/a" and the note gives the reason, instead of a number that would mean something else.
 */
export class NotApplicable extends Error {}

/** Starts another instance of the target registry, configured as the target (auth included). */
export interface Launcher {
  start(env?: Record<string, string>): Promise<RegistryProcess>;
  /** How the target's Berth runs its access control ('none' for Distribution). */
  auth: 'none' | 'builtin';
}

export class BenchContext {
  private readonly clients: HttpClient[] = [];
  private readonly fixtures = new Map<string, Promise<unknown>>();
  private readonly extra = new Set<RegistryProcess>();
  private readonly cleanups: Array<() => Promise<void>> = [];

  constructor(
    readonly target: RegistryProcess,
    readonly profile: Profile,
    /** Per-run scratch space shared by both registries (e.g. the generated skopeo image). */
    readonly scratch: string,
    readonly log: (message: string) => void,
    /** An Authorization header value every request carries (the --auth run). */
    readonly authorization?: string,
    readonly launcher?: Launcher,
  ) {}

  /** Headers every request must carry, for the raw load generator's prebuilt requests. */
  get authHeaders(): Record<string, string> {
    return this.authorization ? { Authorization: this.authorization } : {};
  }

  /** A protocol client whose socket pool matches the row's concurrency. */
  registry(concurrency: number): Registry {
    return this.registryAt(this.target, concurrency);
  }

  /** A client that sends no credentials of its own (a login starts without them). */
  anonymousHttp(concurrency: number): HttpClient {
    const http = new HttpClient(this.target.url, concurrency);
    this.clients.push(http);
    return http;
  }

  /** The same, for a registry the row started itself with `startRegistry`. */
  registryAt(target: RegistryProcess, concurrency: number): Registry {
    const http = new HttpClient(target.url, concurrency, this.authHeaders);
    this.clients.push(http);
    return new Registry(http);
  }

  /**
   * A fresh instance of the target on its own root, for rows that must control the whole
   * registry's contents (a collection would otherwise also sweep other rows' blobs, and
   * Distribution's collector needs its registry stopped). Stopped by `stopRegistries` at the
   * latest; it does not count in the target's peak RSS row.
   */
  async startRegistry(env?: Record<string, string>): Promise<RegistryProcess> {
    if (this.launcher === undefined) throw new Error('this run cannot start another registry');
    const registry = await this.launcher.start(env);
    this.extra.add(registry);
    return registry;
  }

  /** Stops one registry from `startRegistry` (and removes its root, unless `keepData`). */
  async stopRegistry(registry: RegistryProcess, options?: { keepData?: boolean }): Promise<void> {
    this.extra.delete(registry);
    await registry.stop(options);
  }

  async stopRegistries(): Promise<void> {
    await Promise.all([...this.extra].map((r) => this.stopRegistry(r)));
    await Promise.all(this.cleanups.splice(0).map((cleanup) => cleanup()));
  }

  /** Stops something a row started that is not the target's kind (e.g. the proxy rows' upstream) with the rest. */
  onStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
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
