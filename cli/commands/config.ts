/**
 * `cli config QUERY`: reads a link (a query string, "?query" or a whole URL) the way the page does
 * and prints {config, query, warnings}: the normalized config, its canonical query string and the
 * warnings a user would see. A broken link is not a CLI error (exit 0 with warnings), because the
 * page also opens it; only a missing or extra argument is (exit 2).
 */
import { CliError } from '../cli-error.ts';
import type { CommandResult } from '../command.ts';
import { decodeConfig, encodeConfig } from '../../src/engine/config/index.ts';

const USAGE = "usage: cli config QUERY   (e.g. config 'v=1&strategy=sample&temperature=0.7&seed=7&prompt=Hello')";

export async function run(args: string[]): Promise<CommandResult> {
  if (args.length === 0) throw new CliError(`missing QUERY\n${USAGE}`);
  if (args.length > 1) throw new CliError(`expected one QUERY, got ${args.length} arguments (quote the query so the shell keeps the & together)\n${USAGE}`);
  const { config, warnings } = decodeConfig(args[0]);
  return { json: { config, query: encodeConfig(config), warnings } };
}
