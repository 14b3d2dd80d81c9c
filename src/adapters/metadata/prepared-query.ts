/**
 * Compiles a hot single-row query once and re-runs it with new arguments. Building a query
 * with Kysely's builder costs about as much CPU as SQLite spends answering a primary-key
 * lookup, and the pull path (manifest by tag, blob by digest) runs one per request.
 */
import type { Compilable, Kysely } from 'kysely';

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
