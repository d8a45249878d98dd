/**
 * The measured loops, shared by the Node suites and the browser bench page (no Node or DOM APIs):
 * our engine's run (full trace recorded), transformers.js `model.generate()` on the same model,
 * and raw forward-pass costs through ModelRunner. Every ORT session is instrumented so a run can
 * say how much of its wall time was inside `session.run` and how much was ours.
 */
import { AutoModelForCausalLM, AutoTokenizer } from '@huggingface/transformers';
import type { DecodeConfig } from '../../src/engine/config/params.ts';
import type { ModelRunner } from '../../src/engine/model/runner.ts';
import type { EngineSession } from '../../src/engine/session.ts';
import type { RunStats, StrategyEvent, TraceEvent } from '../../src/engine/trace/types.ts';
import { median, summarizeSpec, type SpecSummary } from './stats.ts';

/** Time spent inside one ORT session's `run`, accumulated. */
export interface OrtClock {
  ms: number;
  calls: number;
}

interface RunnableSession {
  run: (...args: unknown[]) => Promise<unknown>;
}

const clocks = new WeakMap<object, OrtClock>();

/** Wraps `session.run` once (idempotent) and returns its clock. */
export function instrumentOrt(session: unknown): OrtClock {
  const s = session as RunnableSession;
  let c = clocks.get(s);
  if (c) return c;
  const clock: OrtClock = { ms: 0, calls: 0 };
  const run = s.run.bind(s);
  s.run = async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await run(...args);
    } finally {
      clock.ms += performance.now() - t0;
      clock.calls++;
    }
  };
  clocks.set(s, clock);
  return clock;
}

/** The ORT session behind a ModelRunner (a private field: benchmarks only). */
export function runnerOrt(runner: ModelRunner): unknown {
  return (runner as unknown as { model: { sessions: { model: unknown } } }).model.sessions.model;
}

function sessionRunners(session: EngineSession): ModelRunner[] {
  const s = session as unknown as { target?: ModelRunner; draft?: ModelRunner };
  return [s.target, s.draft].filter((r): r is ModelRunner => r !== undefined);
}

export interface OurRun {
  reason: string;
  error?: string;
  ids: number[];
  text: string;
  kernels: string;
  backend: string;
  stats: RunStats;
  /** Wall time of the whole run as seen by the caller (encode + decode loop + trace), ms. */
  outerMs: number;
  /** Time inside ORT session.run (target + draft), ms, and its call count. */
  ortMs: number;
  ortCalls: number;
  /** Time inside the kernels (process + stats + sample, verification), ms. */
  kernelMs: number;
  spec?: SpecSummary;
  /** Peak and start of the JS heap over the run (bytes), from the environment's `heap()`; NaN when not probed. */
  heapStart: number;
  heapPeak: number;
  /** Live GPU buffer bytes (peak) when the environment tracks them. */
  gpuPeakBytes?: number;
  gpuPeakBuffers?: number;
  /** Samples every `sampleEvery` tokens: token index, GPU bytes and buffers, JS heap. */
  samples: { token: number; gpuBytes?: number; gpuBuffers?: number; heap: number }[];
}

export interface Probes {
  /**
   * The JS heap, read after every token. Undefined: not probed, for timing comparisons (reading
   * it costs ours time the other side never pays; precise in Chromium, it walks the heap's spaces).
   */
  heap?: () => number;
  gpu?: () => { bytes: number; buffers: number };
  sampleEvery?: number;
  /** Cancel the run after this many ms (it ends with reason 'cancelled' and the stats so far). */
  deadlineMs?: number;
}

/** One run of our engine, loading first (untimed) so the figures are about decoding only. */
export async function runOurs(session: EngineSession, config: DecodeConfig, probes: Probes): Promise<OurRun> {
  await session.ensureLoaded(config);
  const runClocks = sessionRunners(session).map((r) => instrumentOrt(runnerOrt(r)));
  const ms0 = runClocks.reduce((a, c) => a + c.ms, 0);
  const calls0 = runClocks.reduce((a, c) => a + c.calls, 0);
  const heap = probes.heap ?? (() => NaN);
  const heapStart = heap();
  let heapPeak = heapStart;
  let gpuPeakBytes: number | undefined;
  let gpuPeakBuffers: number | undefined;
  const samples: OurRun['samples'] = [];
  const ids: number[] = [];
  const events: StrategyEvent[] = [];
  let end: Extract<TraceEvent, { type: 'end' }> | undefined;
  let start: Extract<TraceEvent, { type: 'start' }> | undefined;
  const t0 = performance.now();
  // The driver reads `signal.aborted` between steps. A clock check rather than a timer: a timer
  // cannot fire while the loop only awaits already-settled promises (microtasks).
  const end0 = t0 + (probes.deadlineMs ?? 0);
  const signal = probes.deadlineMs ? ({ get aborted() { return performance.now() > end0; } } as unknown as AbortSignal) : undefined;
  for await (const e of session.run(config, { signal })) {
    if (e.type === 'token') {
      ids.push(e.id);
      const h = heap();
      if (h > heapPeak) heapPeak = h;
      const g = probes.gpu?.();
      if (g) {
        if (gpuPeakBytes === undefined || g.bytes > gpuPeakBytes) gpuPeakBytes = g.bytes;
        if (gpuPeakBuffers === undefined || g.buffers > gpuPeakBuffers) gpuPeakBuffers = g.buffers;
      }
      if (probes.sampleEvery && e.index % probes.sampleEvery === 0) samples.push({ token: e.index, gpuBytes: g?.bytes, gpuBuffers: g?.buffers, heap: h });
    } else if (e.type === 'strategy') events.push(e);
    else if (e.type === 'end') end = e;
    else start = e;
  }
  const outerMs = performance.now() - t0;
  if (!end || !start) throw new Error('incomplete trace');
  const g = probes.gpu?.();
  if (probes.sampleEvery && g) samples.push({ token: ids.length, gpuBytes: g.bytes, gpuBuffers: g.buffers, heap: heap() });
  return {
    reason: end.reason,
    error: end.error,
    ids,
    text: end.text,
    kernels: start.kernels,
    backend: start.backend,
    stats: end.stats,
    outerMs,
    ortMs: runClocks.reduce((a, c) => a + c.ms, 0) - ms0,
    ortCalls: runClocks.reduce((a, c) => a + c.calls, 0) - calls0,
    // The engine's own split (stats.timing): wrapping the kernels again here would add our side
    // a layer of promises the other side never pays.
    kernelMs: end.stats.timing.kernelsMs,
    spec: summarizeSpec(events),
    heapStart,
    heapPeak,
    gpuPeakBytes,
    gpuPeakBuffers,
    samples,
  };
}

/** transformers.js on the same model files, for the peer comparison. */
export interface Peer {
  tokenizer: (text: string, opts: { add_special_tokens: boolean }) => { input_ids: unknown; attention_mask: unknown };
  decode: (ids: unknown, opts: { skip_special_tokens: boolean }) => string;
  model: { generate: (opts: Record<string, unknown>) => Promise<unknown>; dispose: () => Promise<unknown>; sessions: { model: unknown } };
  clock: OrtClock;
}

export async function loadPeer(model: string, device: 'cpu' | 'wasm' | 'webgpu'): Promise<Peer> {
  const tok = (await AutoTokenizer.from_pretrained(model)) as unknown as Peer['tokenizer'] & { decode: Peer['decode'] };
  const m = (await AutoModelForCausalLM.from_pretrained(model, { device, dtype: 'fp32' } as never)) as unknown as Peer['model'];
  return { tokenizer: tok, decode: (ids, o) => tok.decode(ids, o), model: m, clock: instrumentOrt(m.sessions.model) };
}

export interface PeerRun {
  ids: number[];
  text: string;
  /** encode + generate + decode, ms. */
  outerMs: number;
  ortMs: number;
  ortCalls: number;
}

/**
 * `model.generate()` for exactly `n` new tokens (min = max = n, so an early EOS in a sampled run
 * cannot shorten it). Greedy when `sampling` is undefined; otherwise HF sampling (Math.random).
 */
export async function runPeer(peer: Peer, prompt: string, n: number, sampling?: { temperature: number; top_k: number }): Promise<PeerRun> {
  const ms0 = peer.clock.ms;
  const calls0 = peer.clock.calls;
  const t0 = performance.now();
  const inputs = peer.tokenizer(prompt, { add_special_tokens: false });
  const out = (await peer.model.generate({
    ...inputs,
    max_new_tokens: n,
    min_new_tokens: n,
    do_sample: sampling !== undefined,
    ...(sampling ? { temperature: sampling.temperature, top_k: sampling.top_k, top_p: 1 } : {}),
  })) as { tolist: () => bigint[][]; dims: number[] };
  const all = out.tolist()[0].map(Number);
  const promptLen = (inputs.input_ids as { dims: number[] }).dims[1];
  const ids = all.slice(promptLen);
  const text = peer.decode(ids, { skip_special_tokens: true });
  const outerMs = performance.now() - t0;
  return { ids, text, outerMs, ortMs: peer.clock.ms - ms0, ortCalls: peer.clock.calls - calls0 };
}

/**
 * Median cost (ms) of one forward pass of `tokens` new tokens in each of `rows` rows after a
 * context of `contextIds` (prefilled untimed; more rows copy the prefix KV as tree verification
 * does, and that copy is timed). One warm-up, then `reps` timed passes.
 */
export async function forwardCost(runner: ModelRunner, contextIds: number[], tokens: number, reps: number, rows = 1): Promise<number> {
  const step = Array.from({ length: tokens }, (_, i) => contextIds[(i * 7 + 3) % contextIds.length]);
  const times: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const seq = runner.newSequence(1);
    try {
      await runner.readLogits(seq, [contextIds], 1);
      const t0 = performance.now();
      if (rows > 1) seq.gatherRows(new Array(rows).fill(0));
      await runner.readLogits(seq, Array.from({ length: rows }, () => step));
      const dt = performance.now() - t0;
      if (r > 0) times.push(dt);
    } finally {
      seq.dispose();
    }
  }
  return median(times);
}
