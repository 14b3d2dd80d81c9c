/** Module hooks (node:module register) that log each resolved URL; see record-imports.ts. */
import { appendFileSync } from 'node:fs';

interface Resolved {
  url: string;
}

export async function resolve(specifier: string, context: unknown, nextResolve: (specifier: string, context: unknown) => Promise<Resolved>): Promise<Resolved> {
  const result = await nextResolve(specifier, context);
  const log = process.env.BERTH_TEST_IMPORT_LOG;
  if (log !== undefined) appendFileSync(log, `${result.url}\n`);
  return result;
}
