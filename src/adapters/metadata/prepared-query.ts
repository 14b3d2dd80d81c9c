/**
 * Compiles a hot single-row query once and re-runs it with new arguments. Building a query
 * with Kysely's builder costs about as much CPU as SQLite spends answering a primary-key
 * lookup, and the pull path (manifest by tag, blob by digest) runs one per request.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

export function preparedFirst<DB, Row, Args extends string[]>(
  db: Kysely<DB>,
  build: (...args: Args) => Compilable<Row>,
  sample: Args,
): (...args: Args) => Promise<Row | undefined> {
  const compiled = build(...sample).compile();
  // The arguments must map one-to-one, in order, onto the compiled parameters; anything else
  // (a builder that adds its own literals) would silently bind the wrong values.
  const matches = compiled.parameters.length === sample.length && compiled.parameters.every((p, i) => p === sample[i]);
  if (!matches) throw new Error(`preparedFirst: parameters ${JSON.stringify(compiled.parameters)} do not match the sample`);
  return async (...args) => {
    const result = await db.executeQuery<Row>({ ...compiled, parameters: args });
    return result.rows[0];
  };
}

/**
 * A statement of the manifest PUT's transaction, compiled once per dialect and re-run with new
 * arguments on whichever executor (transaction) the caller holds. Building and compiling the
 * PUT's fixed-shape statements with the builder was a few percent of its CPU, and every
 * compilation yields a new SQL string that the SQLite adapter's statement cache must hash again.
 *
 * `sample` holds one value per argument, each distinct from the others and from any value the
 * builder adds by itself (0, 1, null, literals): a compiled parameter identical to a sample value
 * takes the call's argument, any other keeps its compiled value. Every argument must show up
 * among the parameters, so a builder that transforms an argument (and would then silently bind
 * the sample) fails on first use instead.
 */
export function compiledPerDialect<Dialect extends object, Executor extends QueryExecutorProvider, Args extends unknown[], Row>(
  build: (executor: Executor, dialect: Dialect, ...args: Args) => Compilable<Row>,
  sample: Args,
): (executor: Executor, dialect: Dialect, ...args: Args) => Promise<QueryResult<Row>> {
  const byDialect = new WeakMap<Dialect, { compiled: CompiledQuery<Row>; slots: Array<number | { value: unknown }> }>();
  return async (executor, dialect, ...args) => {
    let entry = byDialect.get(dialect);
    if (entry === undefined) {
      const compiled = build(executor, dialect, ...sample).compile();
      const slots = compiled.parameters.map((p) => {
        const at = sample.findIndex((s) => Object.is(s, p));
        return at === -1 ? { value: p } : at;
      });
      const unused = sample.findIndex((_, i) => !slots.includes(i));
      if (unused !== -1) throw new Error(`compiledPerDialect: argument ${unused} is not a parameter of ${compiled.sql}`);
      entry = { compiled, slots };
      byDialect.set(dialect, entry);
    }
    const parameters = entry.slots.map((slot) => (typeof slot === 'number' ? args[slot] : slot.value));
    return executor.executeQuery<Row>({ ...entry.compiled, parameters });
  };
}

/** What can run a compiled query: a Kysely instance or a transaction. */
export interface QueryExecutorProvider {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** IN lists up to this long get a compiled statement per length; longer ones are built each time. */
const MAX_COMPILED_LIST = 16;

/**
 * compiledPerDialect for a statement over a list of values (an IN list, a multi-row insert):
 * one compilation per dialect and list length, since a manifest references a handful of blobs
 * and the same few lengths recur.
 */
export function compiledPerListLength<Dialect extends object, Executor extends QueryExecutorProvider, Rest extends unknown[], Row>(
  build: (executor: Executor, dialect: Dialect, values: readonly string[], ...rest: Rest) => Compilable<Row>,
  sample: Rest,
): (executor: Executor, dialect: Dialect, values: readonly string[], ...rest: Rest) => Promise<QueryResult<Row>> {
  const byLength: Array<(executor: Executor, dialect: Dialect, ...args: unknown[]) => Promise<QueryResult<Row>>> = [];
  return async (executor, dialect, values, ...rest) => {
    const n = values.length;
    if (n > MAX_COMPILED_LIST) return executor.executeQuery<Row>(build(executor, dialect, values, ...rest).compile());
    byLength[n] ??= compiledPerDialect<Dialect, Executor, unknown[], Row>(
      (ex, d, ...args) => build(ex, d, args.slice(0, n) as string[], ...(args.slice(n) as Rest)),
      [...Array.from({ length: n }, (_, i) => `\0value ${i}`), ...sample],
    );
    return byLength[n](executor, dialect, ...values, ...rest);
  };
}
