/** SQL fragments about repositories that several query files share (both dialects). */
import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** `value` as a LIKE pattern that matches only itself (with `escape '\\'`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `term` lower-cased as SQL lower() does it on both dialects here (ASCII only), as a substring pattern. */
export function containsPattern(term: string): string {
  return `%${escapeLike(term.replace(/[A-Z]+/g, (c) => c.toLowerCase()))}%`;
}

/**
 * A repository given up with deleteRepository (its candidate row) that no tag has come back to
 * (a push or a restore) is gone for /v2, though its deleted tags stay restorable.
 */
export function givenUp(column: string): RawBuilder<SqlBool> {
  const name = sql.ref(column);
  return sql<SqlBool>`(exists (select 1 from gc_candidates g where g.kind = 'repository' and g.digest = '' and g.repository = ${name})
    and not exists (select 1 from tags t where t.repository = ${name}))`;
}

/** `column` names `project` or a repository inside it (a range the primary key answers). */
export function inProjectSql(column: string, project: string): RawBuilder<SqlBool> {
  const ref = sql.ref(column);
  return sql<SqlBool>`(${ref} = ${project} or (${ref} >= ${`${project}/`} and ${ref} < ${`${project}0`}))`;
}
