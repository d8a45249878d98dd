/**
 * `cli generate --prompt TEXT [--config QUERY] [--seed N] [--max-new-tokens N]
 *   [--model ORG/NAME] [--models-dir DIR]`: one run of the engine in Node on the CPU; prints
 * {config, query, warnings, text, tokens, steps, stats}.
 */
import { decodeConfig, encodeConfig, normalizeConfig } from '../../src/engine/config/index.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import { createNodeSession } from '../../src/engine/node.ts';
import { CliError, parseArgs } from '../cli-error.ts';
import { LocalModelError, checkLocalModel, localAutoDType } from '../../src/engine/model/local-models.ts';
import type { CommandResult } from '../main.ts';

const FLAGS = new Set(['prompt', 'config', 'seed', 'max-new-tokens', ...localModelFlagNames()]);

export async function run(args: string[]): Promise<CommandResult> {
  const { flags, positional } = parseArgs(args);
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
  const query = encodeConfig(config);

  const session = createNodeSession({ modelsDir: local?.modelsDir });
  try {
    const trace = await collectTrace(session.run(config, { query }));
    if (trace.end.reason === 'error') throw new Error(trace.end.error ?? 'generation failed');
    return {
      json: {
        config,
        query,
        warnings: [...all, ...(session.state?.notes ?? []), ...(trace.start.notes ?? [])],
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
