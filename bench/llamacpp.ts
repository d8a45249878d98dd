/**
 * llama.cpp suite: our greedy decode loop (Node CPU, full trace recorded, as the peer suite runs
 * it) vs llama.cpp's greedy decoding (node-llama-cpp, CPU only) of the same embedded target,
 * exported to a float GGUF by tools/gguf. Both start from the same prompt token ids; the emitted
 * ids are compared on every repetition, and an untimed teacher-forced pass (llama.cpp fed our
 * tokens) gives its argmax and top-2 logit gap at every position, so a divergence can be told
 * apart from a near-tie. Interleaved repetitions, medians of ms per token.
 *
 * Needs the npm registry on first use (node-llama-cpp is installed on demand into bench/.llamacpp),
 * so `npm run bench` without a suite does not run it.
 *
 *   npm run bench -- llamacpp [--tokens 64] [--reps 5] [--threads 1] [--quick] [--out DIR]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { llamaGguf } from '../tools/gguf/llama.ts';
import { DEFAULT_MODEL, decodeConfig } from '../src/engine/config/index.ts';
import { MODELS_DIR } from '../src/engine/node.ts';
import type { TokenEvent } from '../src/engine/trace/types.ts';
import { DEFAULT_OUT, envelope, flagBool, flagNum, mdHeader, writeResults, type Envelope, type Written } from './lib/common.ts';
import { LLAMACPP_DIR, loadLlamaCpp, type LlamaCppInfo, type LlamaCppPeer } from './lib/llamacpp.ts';
import type { OurRun } from './lib/loops.ts';
import { fmt, mdTable, median, type HeadToHead } from './lib/stats.ts';
import { checked, q, sharedNodeSession, target, type Target } from './lib/targets.ts';
import { PEER_PROMPT } from './peer.ts';

/**
 * llama.cpp's CPU threads. One by default: ggml's worker threads spin while they wait, and on the
 * shared 2-core development machine two of them ran 10-200x slower than one (other jobs hold the
 * cores). `--threads N` to measure more.
 */
const DEFAULT_THREADS = 1;

/** The embedded target's positions: prompt + generated tokens must fit. */
const CONTEXT_SIZE = 512;

export interface LlamaCppReport extends HeadToHead {
  prompt: string;
  promptIds: number[];
  gguf: { file: string; bytes: number; sha256: string; tensorType: 'F32' };
  llamacpp: LlamaCppInfo;
  backend: 'cpu';
  /** Free-running greedy: the same ids on every rep, else the first index where some rep differed. */
  sameTokens: boolean;
  divergeAt?: number;
  /** Leading tokens equal on both sides (all of them when sameTokens). */
  matchedTokens: number;
  /** At the first divergence: each side's token and its top-2 logit gap (nats) there. */
  divergence?: { ours: number; theirs: number; oursTop2Gap: number; theirsTop2Gap: number };
  /** Teacher-forced (llama.cpp fed our tokens): positions where its argmax is our token, of `tokens`. */
  forcedArgmaxAgree: number;
  /** Smallest top-2 gap of ours over the run (nats): how close the nearest near-tie came. */
  oursMinTop2Gap: number;
}

/** The GGUF of the embedded target, rewritten each run (about a second) so it tracks retrained weights. */
function exportGguf(): LlamaCppReport['gguf'] {
  const bytes = llamaGguf(resolve(MODELS_DIR, DEFAULT_MODEL), { type: 'F32' });
  mkdirSync(LLAMACPP_DIR, { recursive: true });
  const file = resolve(LLAMACPP_DIR, `${DEFAULT_MODEL.split('/').pop()}.gguf`);
  writeFileSync(file, bytes);
  return { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 12), tensorType: 'F32' };
}

/** One untimed greedy run of ours that keeps the token events (ids, raw top-k) and the prompt ids. */
async function oursWithTrace(query: string): Promise<{ promptIds: number[]; tokens: TokenEvent[] }> {
  const { config } = decodeConfig(query);
  const session = sharedNodeSession(false);
  await session.ensureLoaded(config);
  let promptIds: number[] = [];
  const tokens: TokenEvent[] = [];
  for await (const e of session.run(config)) {
    if (e.type === 'start') promptIds = e.promptTokens.map((t) => t.id);
    else if (e.type === 'token') tokens.push(e);
    else if (e.type === 'end' && e.reason === 'error') throw new Error(`ours: ${e.error}`);
  }
  return { promptIds, tokens };
}

const top2Gap = (t: TokenEvent): number => (t.rawTop.length < 2 ? Infinity : Math.log(t.rawTop[0].prob) - Math.log(t.rawTop[1].prob));

export interface LlamaCppOptions {
  tokens?: number;
  reps?: number;
  threads?: number;
  outDir?: string;
}

export async function runLlamaCppSuite(opts: LlamaCppOptions = {}): Promise<LlamaCppReport & { files: Written }> {
  const reps = opts.reps ?? 5;
  const threads = opts.threads ?? DEFAULT_THREADS;
  const env: Envelope = envelope('llamacpp', { tokens: opts.tokens, reps, threads });
  const query = q({ strategy: 'greedy', max_new_tokens: opts.tokens ?? 64, seed: 11, prompt: PEER_PROMPT });
  const gguf = exportGguf();
  const t: Target = await target('cpu');
  const traced = await oursWithTrace(query); // also our warm-up
  const n = traced.tokens.length;
  const oursIds = traced.tokens.map((e) => e.id);
  if (traced.promptIds.length + n > CONTEXT_SIZE) throw new Error(`prompt + ${n} tokens exceed the ${CONTEXT_SIZE} positions`);
  const peer = await loadLlamaCpp(gguf.file, CONTEXT_SIZE, threads);
  try {
    env.versions['node-llama-cpp'] = peer.info.version;
    const forced = await peer.forced(traced.promptIds, oursIds);
    await peer.greedy(traced.promptIds, n); // their warm-up
    const ours: OurRun[] = [];
    const theirs: { ids: number[]; ms: number }[] = [];
    const theirRun = () => peer.greedy(traced.promptIds, n);
    for (let i = 0; i < reps; i++) {
      if (i % 2 === 0) {
        ours.push(checked(await t.run(query, 0, 0, false), 'ours'));
        theirs.push(await theirRun());
      } else {
        theirs.push(await theirRun());
        ours.push(checked(await t.run(query, 0, 0, false), 'ours'));
      }
    }
    const report = summarize(gguf, peer, traced, forced, ours, theirs, n, reps);
    process.stdout.write(
      `llamacpp cpu greedy: ours ${fmt(report.oursMsPerToken)} ms/token, llama.cpp ${fmt(report.theirsMsPerToken)} ms/token, ratio ${fmt(report.ratio, 3)}; ` +
        `tokens ${report.sameTokens ? `identical (${n} of ${n})` : `diverge at ${report.divergeAt} (${report.matchedTokens} of ${n} match)`}; teacher-forced argmax agreement ${report.forcedArgmaxAgree} of ${n}\n`,
    );
    const files = writeResults(opts.outDir ?? DEFAULT_OUT, env, report, llamaCppMarkdown(env, report));
    return { ...report, files };
  } finally {
    await peer.dispose();
  }
}

function summarize(
  gguf: LlamaCppReport['gguf'],
  peer: LlamaCppPeer,
  traced: { promptIds: number[]; tokens: TokenEvent[] },
  forced: { argmax: number[]; top2Gap: number[] },
  ours: OurRun[],
  theirs: { ids: number[]; ms: number }[],
  n: number,
  reps: number,
): LlamaCppReport {
  const per = (ms: number, k: number) => ms / Math.max(1, k);
  const oMs = ours.map((r) => per(r.outerMs, r.stats.tokensEmitted));
  const tMs = theirs.map((r) => per(r.ms, r.ids.length));
  // Every rep of each side against the traced run of ours; the earliest difference counts.
  const reference = traced.tokens.map((e) => e.id);
  let divergeAt: number | undefined;
  let theirsAt: number | undefined;
  for (const ids of [...ours.map((r) => r.ids), ...theirs.map((r) => r.ids)]) {
    const i = firstDifference(reference, ids);
    if (i >= 0 && (divergeAt === undefined || i < divergeAt)) divergeAt = i;
  }
  if (divergeAt !== undefined) theirsAt = theirs.map((r) => r.ids[divergeAt!]).find((id) => id !== reference[divergeAt!]);
  return {
    prompt: PEER_PROMPT,
    promptIds: traced.promptIds,
    gguf,
    llamacpp: peer.info,
    backend: 'cpu',
    tokens: n,
    reps,
    oursMsPerToken: median(oMs),
    theirsMsPerToken: median(tMs),
    ratio: median(oMs) / median(tMs),
    pairRatios: oMs.map((o, i) => o / tMs[i]),
    oursOrt: median(ours.map((r) => per(r.ortMs, r.stats.tokensEmitted))),
    oursKernels: median(ours.map((r) => per(r.kernelMs, r.stats.tokensEmitted))),
    oursOther: median(ours.map((r) => per(r.outerMs - r.ortMs - r.kernelMs, r.stats.tokensEmitted))),
    sameTokens: divergeAt === undefined,
    divergeAt,
    matchedTokens: divergeAt ?? n,
    divergence:
      divergeAt === undefined || divergeAt >= n
        ? undefined
        : { ours: reference[divergeAt], theirs: theirsAt ?? forced.argmax[divergeAt], oursTop2Gap: top2Gap(traced.tokens[divergeAt]), theirsTop2Gap: forced.top2Gap[divergeAt] },
    forcedArgmaxAgree: forced.argmax.filter((id, i) => id === reference[i]).length,
    oursMinTop2Gap: Math.min(...traced.tokens.map(top2Gap)),
  };
}

/** First index where `b` differs from `a` (a length difference counts), -1 when equal. */
function firstDifference(a: number[], b: number[]): number {
  const i = a.findIndex((id, k) => id !== b[k]);
  if (i >= 0) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

export function llamaCppMarkdown(env: Envelope, r: LlamaCppReport): string {
  const d = r.divergence;
  return [
    mdHeader('llama.cpp: our greedy decode loop vs llama.cpp greedy', env, [
      `- Same model (${DEFAULT_MODEL}): ours = the ONNX fp32 file on onnxruntime-node (CPU); llama.cpp = node-llama-cpp ${r.llamacpp.version} (${r.llamacpp.binary}, ${r.llamacpp.buildType}, CPU only, ${r.llamacpp.threads} thread${r.llamacpp.threads === 1 ? '' : 's'}; ours: onnxruntime-node's default threads) on a GGUF written by tools/gguf (${r.gguf.tensorType}, ${(r.gguf.bytes / 2 ** 20).toFixed(1)} MiB, sha256 ${r.gguf.sha256})`,
      `- Same prompt token ids on both sides ("${r.prompt}" = [${r.promptIds.join(', ')}]); llama.cpp gets the ids directly, so tokenization cannot differ`,
      '- Ours: `EngineSession.run` (greedy) recording the full trace. Theirs: `LlamaContextSequence.evaluate(ids, { temperature: 0 })` for the same number of tokens.',
      '- Interleaved repetitions (alternating order) after one untimed warm-up of each; medians of ms per token (prompt prefill included on both sides).',
    ]),
    mdTable(
      ['backend', 'tokens', 'reps', 'ours ms/token', 'llama.cpp ms/token', 'ours / llama.cpp', 'pair ratios', 'ours: ORT / kernels / rest', 'same tokens', 'teacher-forced argmax agreement', 'smallest top-2 gap (ours)'],
      [
        [
          r.backend,
          r.tokens,
          r.reps,
          fmt(r.oursMsPerToken),
          fmt(r.theirsMsPerToken),
          `**${fmt(r.ratio, 3)}**`,
          r.pairRatios.map((p) => fmt(p, 2)).join(' '),
          `${fmt(r.oursOrt)} / ${fmt(r.oursKernels)} / ${fmt(r.oursOther)}`,
          r.sameTokens ? `yes (${r.tokens} of ${r.tokens})` : `NO: ${r.matchedTokens} of ${r.tokens} match, diverge at token ${r.divergeAt}`,
          `${r.forcedArgmaxAgree} of ${r.tokens}`,
          `${fmt(r.oursMinTop2Gap, 3)} nats`,
        ],
      ],
    ),
    '',
    d
      ? `At the divergence (token ${r.divergeAt}): ours ${d.ours} (top-2 logit gap ${fmt(d.oursTop2Gap, 4)}), llama.cpp ${d.theirs} (gap ${fmt(d.theirsTop2Gap, 4)}). A gap near 0 is a near-tie that float rounding can flip.`
      : 'Both sides emitted the same ids on every repetition.',
    '',
    'ours / llama.cpp < 1 means our loop is faster. "Teacher-forced" feeds llama.cpp our tokens and',
    'counts the positions where its own argmax is the token we emitted (after a divergence the free',
    'runs no longer share a context; this still compares every position). The top-2 gap is',
    'ln p1 - ln p2 of the raw distribution, i.e. the logit difference of the two most likely tokens.',
    'The comparison is not like for like in what each loop does per token: ours records the full',
    'trace (entropy, varentropy, top-k lists, processor stages); llama.cpp only samples.',
    '',
  ].join('\n');
}

export async function runLlamaCppFromArgs(f: Record<string, string>) {
  const quick = flagBool(f, 'quick');
  return runLlamaCppSuite({ tokens: flagNum(f, 'tokens', quick ? 6 : 64), reps: flagNum(f, 'reps', quick ? 2 : 5), threads: flagNum(f, 'threads', DEFAULT_THREADS), outDir: f.out });
}
