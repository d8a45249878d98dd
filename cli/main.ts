/**
 * Decoding Playground CLI: `npm run --silent cli -- <command> [args]`.
 * JSON on stdout; errors on stderr with exit code 2.
 */
import { CliError } from './cli-error.ts';
import type { Command } from './command.ts';

const COMMANDS: Record<string, () => Promise<Command>> = {
  generate: () => import('./commands/generate.ts'),
  config: () => import('./commands/config.ts'),
  golden: () => import('./commands/golden.ts'),
};

const USAGE = `usage: cli <command> [args]
  generate --prompt TEXT [--config QUERY] [--seed N] [--max-new-tokens N] [--runs N] [--summary]
  config QUERY
  golden FILE [--backend cpu|webgpu]`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const load = name ? COMMANDS[name] : undefined;
  if (!load) throw new CliError(name ? `unknown command "${name}"\n${USAGE}` : USAGE);
  const { json, exitCode = 0 } = await (await load()).run(args);
  // undefined: the command wrote its own output (JSON lines)
  if (json !== undefined) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  return exitCode;
}

/** Exits once everything written has been flushed: on a pipe, stdout is asynchronous and a bare
 * process.exit() would cut a large JSON document short. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterFlush, (err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  exitAfterFlush(2);
});
