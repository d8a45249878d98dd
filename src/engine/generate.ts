/**
 * The run driver: encodes the prompt, runs the configured strategy, enforces the stopping rules
 * (EOS, max_new_tokens, stop strings, cancellation) and wraps the tokens in the trace's start and
 * end events with the run's statistics. The same driver serves the worker, the CLI and the tests.
 */
import type { DecodeConfig } from './config/params.ts';
import { refusedNotes } from './config/strategies.ts';
import type { Kernels } from './kernels/types.ts';
import type { ModelRunner } from './model/runner.ts';
import { STRATEGY_IMPLS } from './strategies/index.ts';
import type { StrategyContext } from './strategies/types.ts';
import { timedKernels, type Clock } from './timing.ts';
import { TRACE_VERSION, type EndReason, type TraceEvent } from './trace/types.ts';

export interface Engine {
  target: ModelRunner;
  draft?: ModelRunner;
  kernels: Kernels;
}

export interface RunOptions {
  /** Canonical query string of `config`, recorded in the trace so an export names its link. */
  query?: string;
  signal?: AbortSignal;
}

export async function* generate(config: DecodeConfig, engine: Engine, opts: RunOptions = {}): AsyncGenerator<TraceEvent, void, void> {
  // One clock for the wall time and its parts (the runners time their forwards with it too).
  const now = () => performance.now();
  const t0 = now();
  const { target, draft } = engine;
  const kernelClock: Clock = { ms: 0 };
  const draftKernelClock: Clock = { ms: 0 };
  const kernels = timedKernels(engine.kernels, kernelClock);
  const strategy = STRATEGY_IMPLS[config.strategy];

  const { ids: promptIds, template: templateFlags, notes: promptNotes } = encodePrompt(target, config);
  const notes = [...promptNotes, ...refusedNotes(config)];
  yield {
    type: 'start',
    version: TRACE_VERSION,
    query: opts.query ?? '',
    model: target.info.id,
    draft: draft?.info.id,
    backend: target.info.backend,
    kernels: kernels.backend,
    vocabSize: target.info.vocabSize,
    prompt: config.prompt,
    promptTokens: promptIds.map((id, i) => ({ id, text: target.tokenText(id), ...(templateFlags?.[i] ? { template: true } : {}) })),
    ...(notes.length ? { notes } : {}),
    startedAt: new Date().toISOString(),
  };

  const targetForwards0 = target.forwards;
  const draftForwards0 = draft?.forwards ?? 0;
  const targetMs0 = target.forwardMs;
  const draftMs0 = draft?.forwardMs ?? 0;
  // A count, not the events: the consumer keeps what it shows, and the loop holds nothing per token.
  let emitted = 0;
  const textIds: number[] = [];
  let bytesReadBack = 0;
  let firstTokenMs = 0;
  let text = '';
  const watchStops = config.stop.some((s) => s.length > 0);
  let reason: EndReason = 'max_tokens';
  let error: string | undefined;

  const ctx: StrategyContext = {
    config,
    target,
    draft,
    kernels,
    promptIds,
    remaining: () => config.max_new_tokens - emitted,
    countReadBack: (b) => void (bytesReadBack += b),
    timeKernels: (k) => timedKernels(k, kernelClock),
    timeDraftKernels: (k) => timedKernels(k, draftKernelClock),
  };
  const gen = strategy(ctx);
  try {
    outer: while (emitted < config.max_new_tokens) {
      if (opts.signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      const step = await gen.next();
      if (step.done) break;
      for (const tok of step.value) {
        if (tok.type === 'strategy') {
          yield tok;
          continue;
        }
        if (emitted >= config.max_new_tokens) break outer;
        if (emitted === 0) firstTokenMs = now() - t0;
        emitted++;
        yield tok;
        if (target.isEos(tok.id)) {
          reason = 'eos';
          break outer;
        }
        textIds.push(tok.id);
        // The text is decoded as it grows only to look for stop strings (a decode of every id so
        // far, per token); without them, once at the end.
        if (!watchStops) continue;
        text = target.decode(textIds);
        const stop = firstStop(text, config.stop);
        if (stop !== undefined) {
          text = text.slice(0, stop);
          reason = 'stop_string';
          break outer;
        }
      }
    }
  } catch (err) {
    reason = 'error';
    error = err instanceof Error ? err.message : String(err);
  } finally {
    await gen.return();
  }

  // With stop strings the text is already current (and cut at a stop).
  if (!watchStops) text = target.decode(textIds);
  const wallMs = now() - t0;
  const n = emitted;
  const targetModelMs = target.forwardMs - targetMs0;
  const draftModelMs = (draft?.forwardMs ?? 0) - draftMs0;
  const modelMs = targetModelMs + draftModelMs;
  yield {
    type: 'end',
    reason,
    text,
    error,
    stats: {
      promptTokens: promptIds.length,
      tokensEmitted: n,
      targetForwards: target.forwards - targetForwards0,
      draftForwards: (draft?.forwards ?? 0) - draftForwards0,
      firstTokenMs,
      wallMs,
      tokensPerSecond: wallMs > 0 ? (n * 1000) / wallMs : 0,
      bytesReadBack,
      bytesReadBackPerToken: n > 0 ? bytesReadBack / n : 0,
      timing: { modelMs, kernelsMs: kernelClock.ms, otherMs: wallMs - modelMs - kernelClock.ms, targetModelMs, draftModelMs, draftKernelsMs: draftKernelClock.ms },
    },
  };
}

/** The prompt's token ids; with `chat`, wrapped in the model's chat template (template tokens
 * flagged so the views can dim them). */
export function encodePrompt(
  target: ModelRunner,
  config: { prompt: string; chat?: boolean },
): { ids: number[]; template?: boolean[]; notes: string[] } {
  const notes: string[] = [];
  let ids: number[];
  let template: boolean[] | undefined;
  if (config.chat && target.info.chatTemplate) {
    ({ ids, template } = target.encodeChat(config.prompt));
  } else {
    if (config.chat) notes.push(`chat=1 ignored: ${target.info.id} has no chat template, so the prompt is used as plain text`);
    ids = target.encode(config.prompt);
  }
  if (ids.length > 0) return { ids, template, notes };
  // An empty prompt starts a fresh document, as the models saw in training.
  const start = target.info.bosId ?? target.info.eosIds[0];
  if (start === undefined) throw new Error('empty prompt and the model has no BOS/EOS token to start from');
  return { ids: [start], notes };
}

/** Index where the earliest stop string starts, if any occurs. */
function firstStop(text: string, stops: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && (best === undefined || i < best)) best = i;
  }
  return best;
}
