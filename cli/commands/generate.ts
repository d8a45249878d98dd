/**
 * `cli generate --prompt TEXT [--config QUERY] [--seed N] [--max-new-tokens N]`: one run of the
 * engine in Node on the CPU; prints {config, query, warnings, text, tokens, steps, stats}.
 */
import { decodeConfig, encodeConfig, normalizeConfig } from '../../src/engine/config/index.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import { createNodeSession } from '../../src/engine/node.ts';
import { CliError, parseArgs } from '../cli-error.ts';
import type { CommandResult } from '../command.ts';

const FLAGS = new Set(['prompt', 'config', 'seed', 'max-new-tokens']);

export async function run(args: string[]): Promise<CommandResult> {
  const { flags, positional } = parseArgs(args);
  for (const k of flags.keys()) if (!FLAGS.has(k)) throw new CliError(`unknown option --${k}`);
  if (positional.length) throw new CliError(`unexpected argument "${positional[0]}"`);
  const prompt = flags.get('prompt');
  if (prompt === undefined) throw new CliError('generate needs --prompt TEXT');

  const decoded = decodeConfig(flags.get('config') ?? '');
  const overrides: Record<string, unknown> = { ...decoded.config, prompt };
  if (flags.has('seed')) overrides.seed = strictNumber(flags.get('seed')!, '--seed');
  if (flags.has('max-new-tokens')) overrides.max_new_tokens = strictNumber(flags.get('max-new-tokens')!, '--max-new-tokens');
  const { config, warnings } = normalizeConfig(overrides);
  const all = [...decoded.warnings, ...warnings];
  const query = encodeConfig(config);

  const session = createNodeSession();
  try {
    const trace = await collectTrace(session.run(config, { query }));
    if (trace.end.reason === 'error') throw new Error(trace.end.error ?? 'generation failed');
    return {
      json: {
        config,
        query,
        warnings: [...all, ...(session.state?.notes ?? [])],
        text: trace.end.text,
        finishReason: trace.end.reason,
        tokens: trace.tokens.map((t) => ({ id: t.id, text: t.text })),
        steps: trace.tokens,
        stats: trace.end.stats,
      },
    };
  } finally {
    await session.unload();
  }
}

function strictNumber(s: string, flag: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n)) throw new CliError(`${flag} must be a number, got "${s}"`);
  return n;
}
