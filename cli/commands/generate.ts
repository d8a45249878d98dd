/**
 * `cli generate --prompt TEXT [--config QUERY] [--seed N] [--max-new-tokens N] [--runs N] [--summary]
 *   [--model ORG/NAME] [--models-dir DIR]`: runs of the engine in Node on the CPU. One run prints
 * {config, query, warnings, text, tokens, steps, stats}; `--runs N` runs seeds seed, seed+1, ... on
 * one loaded model and prints that object per run as one compact JSON line; `--summary` prints
 * per-position token frequencies instead.
 */
import { decodeConfig, encodeConfig, normalizeConfig, PARAMS, type DecodeConfig } from '../../src/engine/config/index.ts';
import type { EngineSession } from '../../src/engine/session.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import { createNodeSession } from '../../src/engine/node.ts';
import { CliError, parseArgs } from '../cli-error.ts';
import { LocalModelError, checkLocalModel, localAutoDType } from '../../src/engine/model/local-models.ts';
import type { CommandResult } from '../command.ts';

const FLAGS = new Set(['prompt', 'config', 'seed', 'max-new-tokens', 'runs', ...localModelFlagNames()]);
/** Most runs one command may ask for (--runs). */
export const MAX_RUNS = 100_000;

export async function run(args: string[]): Promise<CommandResult> {
  // --summary is the one flag without a value
  const summary = args.includes('--summary');
  const { flags, positional } = parseArgs(args.filter((a) => a !== '--summary'));
  for (const k of flags.keys()) if (!FLAGS.has(k)) throw new CliError(`unknown option --${k}`);
  if (positional.length) throw new CliError(`unexpected argument "${positional[0]}"`);
  const local = localModelFlags(flags);
  const prompt = flags.get('prompt') ?? local?.defaultPrompt;
  if (prompt === undefined) throw new CliError('generate needs --prompt TEXT');

  const decoded = decodeConfig(flags.get('config') ?? '');
  const overrides: Record<string, unknown> = { ...decoded.config, prompt };
  if (flags.has('seed')) overrides.seed = strictNumber(flags.get('seed')!, '--seed');
  if (flags.has('max-new-tokens')) overrides.max_new_tokens = strictNumber(flags.get('max-new-tokens')!, '--max-new-tokens');
  if (local) Object.assign(overrides, local.overrides(overrides));
  const { config, warnings } = normalizeConfig(overrides);
  const all = [...decoded.warnings, ...warnings];
  const runs = flags.has('runs') ? runCount(flags.get('runs')!) : undefined;
  if (runs !== undefined && config.seed + runs - 1 > PARAMS.seed.max) {
    throw new CliError(`--runs ${runs} from seed ${config.seed} passes the largest seed (${PARAMS.seed.max}); use a smaller --seed`);
  }

  const session = createNodeSession({ modelsDir: local?.modelsDir });
  try {
    if (runs === undefined && !summary) return { json: await runOnce(session, config, all) };
    const seeds = Array.from({ length: runs ?? 1 }, (_, i) => config.seed + i);
    if (summary) return { json: await summarize(session, config, all, seeds) };
    for (const seed of seeds) await writeLine(JSON.stringify(await runOnce(session, { ...config, seed }, all)));
    return { json: undefined };
  } finally {
    await session.unload();
  }
}

async function runOnce(session: EngineSession, config: DecodeConfig, warnings: string[]) {
  const query = encodeConfig(config);
  const trace = await collectTrace(session.run(config, { query }));
  if (trace.end.reason === 'error') throw new Error(trace.end.error ?? 'generation failed');
  return {
    config,
    query,
    warnings: [...warnings, ...(session.state?.notes ?? []), ...(trace.start.notes ?? [])],
    text: trace.end.text,
    finishReason: trace.end.reason,
    tokens: trace.tokens.map((t) => ({ id: t.id, text: t.text })),
    steps: trace.tokens,
    stats: trace.end.stats,
  };
}

/** Per emitted position: each token's count and share over the runs, most frequent first. */
async function summarize(session: EngineSession, config: DecodeConfig, warnings: string[], seeds: number[]) {
  const positions: Map<number, { id: number; text: string; count: number }>[] = [];
  for (const seed of seeds) {
    const r = await runOnce(session, { ...config, seed }, warnings);
    r.tokens.forEach((t, i) => {
      const m = (positions[i] ??= new Map());
      const e = m.get(t.id) ?? { id: t.id, text: t.text, count: 0 };
      e.count++;
      m.set(t.id, e);
    });
  }
  return {
    config,
    query: encodeConfig(config),
    warnings: [...warnings, ...(session.state?.notes ?? [])],
    runs: seeds.length,
    seeds: { first: seeds[0], last: seeds[seeds.length - 1] },
    positions: positions.map((m, position) => {
      const tokens = [...m.values()].sort((a, b) => b.count - a.count || a.id - b.id);
      const reached = tokens.reduce((s, t) => s + t.count, 0);
      return { position, runs: reached, tokens: tokens.map((t) => ({ ...t, frequency: t.count / reached })) };
    }),
  };
}

/** Writes one line, waiting when the pipe is full (100 000 runs must not pile up in memory). */
function writeLine(line: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(line + '\n')) resolve();
    else process.stdout.once('drain', resolve);
  });
}

function runCount(s: string): number {
  const n = Number(s);
  if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(n) || n < 1) throw new CliError(`--runs must be a positive integer, got "${s}"`);
  if (n > MAX_RUNS) throw new CliError(`--runs ${n} is too many (at most ${MAX_RUNS})`);
  return n;
}

function strictNumber(s: string, flag: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n)) throw new CliError(`${flag} must be a number, got "${s}"`);
  return n;
}

/*
 * --model ORG/NAME picks the target model (same as model= in --config). --models-dir DIR loads it
 * from a local hub-layout folder (DIR/ORG/NAME/config.json, onnx/...; e.g. `npm run fixtures -- --out
 * DIR`) and never from the network. A missing folder or model is a usage error (exit 2). There,
 * dtype=auto picks a file the folder ships, and --prompt defaults to the config's prompt.
 */
function localModelFlagNames(): string[] {
  return ['model', 'models-dir'];
}

function localModelFlags(flags: Map<string, string>) {
  const model = flags.get('model');
  const modelsDir = flags.get('models-dir');
  if (model === undefined && modelsDir === undefined) return undefined;
  return {
    modelsDir,
    defaultPrompt: modelsDir === undefined ? undefined : (decodeConfig(flags.get('config') ?? '').config.prompt as string | undefined) ?? normalizeConfig({}).config.prompt,
    overrides(current: Record<string, unknown>): Record<string, unknown> {
      const id = String(model ?? current.model ?? normalizeConfig({}).config.model);
      if (modelsDir === undefined) return { model: id };
      try {
        const dir = checkLocalModel(modelsDir, id);
        return { model: id, ...(current.dtype === undefined || current.dtype === 'auto' ? { dtype: localAutoDType(dir) } : {}) };
      } catch (err) {
        if (err instanceof LocalModelError) throw new CliError(err.message);
        throw err;
      }
    },
  };
}
