/**
 * Argument parsing for the management commands, over node:util's parseArgs. Any mistake in
 * the command line is a UsageError, which main turns into exit code 2 with the command's
 * usage, so a script can tell "you called me wrong" from "the registry said no".
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage text of the command that was misused. */
    readonly usage: string,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<O extends Options> {
  values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
  positionals: string[];
}

/** Every command takes `--config FILE`, like `berth serve`. */
const common = { config: { type: 'string' } } as const satisfies Options;

export function parse<O extends Options>(args: string[], options: O, usage: string, positionals: { min: number; max: number }): Parsed<O & typeof common> {
  const parsed = parseOrExplain(args, { ...common, ...options }, usage);
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError('missing argument', usage);
  if (count > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`, usage);
  // parseArgs types values by a literal options object; ours is generic, so the mapped type says the same.
  return parsed as unknown as Parsed<O & typeof common>;
}

/** Like parse, without the implied --config (for commands that read no config, or name it otherwise). */
export function parseStrict<O extends Options>(args: string[], options: O, usage: string, positionals: { min: number; max: number }): Parsed<O> {
  const parsed = parseOrExplain(args, options, usage);
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError('missing argument', usage);
  if (count > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`, usage);
  return parsed as unknown as Parsed<O>;
}

/**
 * Whether the command line asks for help: `--help` or `-h` anywhere before a `--`. Answered
 * before a command parses or does anything else, so help never has a side effect, whatever
 * else is on the line (a mistyped option, a missing argument, a config that would not load).
 */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function parseOrExplain(args: string[], options: Options, usage: string): { positionals: string[] } {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
}

/** Reads all of stdin as a secret; one trailing newline (from `echo` or a file) is not part of it. */
export async function readSecretFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
