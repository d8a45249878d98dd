/**
 * Runs a golden-vector file (format of tests/golden/decoding-golden.json) through any Kernels
 * implementation and reports per-case failures. Shared by `cli golden`, the CPU tests and the WebGPU
 * parity tests, so every backend is judged by the same code.
 */
import type { ParamSpec } from '../../config/param-spec.ts';
import { PROCESSOR_KEYS, PROCESSOR_PARAMS } from '../processors/registry.ts';
import type { Kernels, ProcessorConfig, ProcessorState, ProbsHandle, StageName } from '../types.ts';

export const PROB_TOLERANCE = 1e-5;

/**
 * Entropy and varentropy are sums over the whole vocabulary: in float32 (the WebGPU kernels) their
 * rounding error grows with the vocabulary and the value, past 1e-5 absolute at large vocabularies
 * (seen: varentropy 0.0427145 vs 0.0426998). So they get an absolute + relative tolerance.
 */
export const STAT_ABS_TOLERANCE = 1e-5;
export const STAT_REL_TOLERANCE = 1e-3;

function statWithinTolerance(got: number, want: number): boolean {
  return Math.abs(got - want) <= STAT_ABS_TOLERANCE + STAT_REL_TOLERANCE * Math.abs(want);
}

function statProblem(name: string, got: number, want: number): string {
  return `${name}: got ${got}, want ${want} (tolerance ${STAT_ABS_TOLERANCE} + ${STAT_REL_TOLERANCE} x |want|)`;
}

export interface GoldenProcessorCase {
  id: string;
  logits: (number | null)[];
  /**
   * Processor keys, plus the row's context, RNG key (seed, step) and carried processor state
   * (e.g. `{ mirostat_mu }`) for processors that read them.
   */
  config: ProcessorConfig & { context_ids?: number[]; seed?: number; step?: number; state?: ProcessorState };
  expected: {
    probs: number[];
    stages: { name: StageName; kept: number }[];
    raw_entropy: number;
    raw_varentropy: number;
  };
}

export interface GoldenSpecCase {
  id: string;
  p: number[][];
  q: number[][];
  draft_tokens: number[];
  uniforms: number[];
  expected: { accepted: number; next_token_distribution: number[] };
}

export interface GoldenFile {
  processors: GoldenProcessorCase[];
  spec_chain: GoldenSpecCase[];
}

export interface GoldenFailure {
  id: string;
  what: string;
}

export interface GoldenReport {
  cases: number;
  passed: number;
  failures: GoldenFailure[];
}

/** Bad file shape: callers turn this into a usage error. */
export class GoldenFormatError extends Error {}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isNumArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}
function fail(where: string, msg: string): never {
  throw new GoldenFormatError(`${where}: ${msg}`);
}

/** Checks the shape of a parsed golden file; throws GoldenFormatError naming the first problem. */
export function parseGolden(json: unknown): GoldenFile {
  if (!isObj(json)) fail('golden file', 'top level must be an object');
  const procs = json.processors ?? [];
  const specs = json.spec_chain ?? [];
  if (!Array.isArray(procs)) fail('golden file', '"processors" must be an array');
  if (!Array.isArray(specs)) fail('golden file', '"spec_chain" must be an array');
  if (procs.length + specs.length === 0) fail('golden file', 'no cases ("processors" and "spec_chain" are empty)');
  procs.forEach((c: unknown, k) => {
    const where = `processors[${k}]`;
    if (!isObj(c)) fail(where, 'must be an object');
    if (typeof c.id !== 'string') fail(where, '"id" must be a string');
    if (!Array.isArray(c.logits) || c.logits.length === 0 || !c.logits.every((x) => x === null || typeof x === 'number')) {
      fail(c.id, '"logits" must be a non-empty array of numbers or null');
    }
    if (!isObj(c.config)) fail(c.id, '"config" must be an object');
    for (const [key, v] of Object.entries(c.config)) {
      if (key === 'context_ids') continue;
      if (key === 'state') {
        if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'number' && Number.isFinite(x))) fail(c.id, 'config.state must map names to finite numbers');
        continue;
      }
      const spec = (PROCESSOR_PARAMS as Record<string, ParamSpec>)[key];
      if (key === 'seed' || key === 'step') {
        if (!Number.isInteger(v) || (v as number) < 0) fail(c.id, `config.${key} must be a non-negative integer`);
      } else if (!spec) fail(c.id, `config.${key} is not a processor key (${PROCESSOR_KEYS.join(', ')}, context_ids, seed, step, state)`);
      else if (spec.kind === 'text' ? typeof v !== 'string' : typeof v !== 'number') fail(c.id, `config.${key} must be a ${spec.kind === 'text' ? 'string' : 'number'}`);
    }
    if (c.config.context_ids !== undefined && !isNumArray(c.config.context_ids)) fail(c.id, 'config.context_ids must be numbers');
    const e = c.expected;
    if (!isObj(e)) fail(c.id, '"expected" must be an object');
    if (!isNumArray(e.probs) || e.probs.length !== c.logits.length) fail(c.id, 'expected.probs must match logits in length');
    if (!Array.isArray(e.stages) || !e.stages.every((s) => isObj(s) && typeof s.name === 'string' && typeof s.kept === 'number')) {
      fail(c.id, 'expected.stages must be [{name, kept}]');
    }
    if (typeof e.raw_entropy !== 'number' || typeof e.raw_varentropy !== 'number') fail(c.id, 'expected.raw_entropy/raw_varentropy must be numbers');
  });
  specs.forEach((c: unknown, k) => {
    const where = `spec_chain[${k}]`;
    if (!isObj(c)) fail(where, 'must be an object');
    if (typeof c.id !== 'string') fail(where, '"id" must be a string');
    if (!Array.isArray(c.draft_tokens) || !c.draft_tokens.every((x) => Number.isInteger(x))) fail(c.id, '"draft_tokens" must be integers');
    const K = c.draft_tokens.length;
    if (!Array.isArray(c.p) || c.p.length !== K + 1 || !c.p.every(isNumArray)) fail(c.id, `"p" must be ${K + 1} probability rows`);
    if (!Array.isArray(c.q) || c.q.length !== K || !c.q.every(isNumArray)) fail(c.id, `"q" must be ${K} probability rows`);
    const V = (c.p[0] as number[]).length;
    if (![...c.p, ...c.q].every((r) => (r as number[]).length === V)) fail(c.id, 'p and q rows must share one vocabulary size');
    if (!c.draft_tokens.every((x: number) => x >= 0 && x < V)) fail(c.id, 'draft token out of the vocabulary');
    if (!isNumArray(c.uniforms) || c.uniforms.length !== K) fail(c.id, `"uniforms" must be ${K} numbers`);
    const e = c.expected;
    if (!isObj(e) || !Number.isInteger(e.accepted) || !isNumArray(e.next_token_distribution)) {
      fail(c.id, 'expected must be {accepted, next_token_distribution}');
    }
  });
  return { processors: procs as GoldenProcessorCase[], spec_chain: specs as GoldenSpecCase[] };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; at: number } {
  let err = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= err)) {
      err = d;
      at = i;
    }
  }
  return { err, at };
}

async function runProcessorCase(k: Kernels, c: GoldenProcessorCase): Promise<string[]> {
  const V = c.logits.length;
  const data = new Float64Array(V);
  c.logits.forEach((x, i) => (data[i] = x === null ? -Infinity : x));
  const { context_ids, seed = 0, step = 0, state, ...config } = c.config;
  const logits = await k.createLogits(data, 1, V);
  let handle: ProbsHandle | undefined;
  try {
    const res = await k.step(logits, {
      rows: [{ config, contextIds: context_ids, choose: 'none', seed, step, state }],
      keepProcessed: true,
    });
    handle = res.processed;
    if (!handle) return ['backend returned no processed distribution'];
    const probs = await k.readProbs({ probs: handle, row: 0 });
    const row = res.rows[0];
    const problems: string[] = [];
    const { err, at } = maxAbsDiff(probs, c.expected.probs);
    if (!(err <= PROB_TOLERANCE)) problems.push(`probs: max abs error ${err.toExponential(3)} at token ${at} (got ${probs[at]}, want ${c.expected.probs[at]})`);
    const got = row.stages.map((s) => `${s.name}:${s.kept}`).join(',');
    const want = c.expected.stages.map((s) => `${s.name}:${s.kept}`).join(',');
    if (got !== want) problems.push(`stages: got [${got}], want [${want}]`);
    if (!statWithinTolerance(row.entropy, c.expected.raw_entropy)) problems.push(statProblem('raw_entropy', row.entropy, c.expected.raw_entropy));
    if (!statWithinTolerance(row.varentropy, c.expected.raw_varentropy)) problems.push(statProblem('raw_varentropy', row.varentropy, c.expected.raw_varentropy));
    return problems;
  } finally {
    if (handle) k.dispose(handle);
    k.dispose(logits);
  }
}

/** Log-probabilities as logits: softmax(log p) = p for a normalized p, and p = 0 becomes -inf. */
function logRows(rows: number[][]): Float64Array {
  const V = rows[0].length;
  const out = new Float64Array(rows.length * V);
  rows.forEach((r, i) => r.forEach((x, j) => (out[i * V + j] = Math.log(x))));
  return out;
}

async function runSpecCase(k: Kernels, c: GoldenSpecCase): Promise<string[]> {
  const K = c.draft_tokens.length;
  const V = c.p[0].length;
  const target = await k.createLogits(logRows(c.p), K + 1, V);
  const draft = K > 0 ? await k.createLogits(logRows(c.q), K, V) : undefined;
  const handles: ProbsHandle[] = [];
  try {
    let qHandle: ProbsHandle | undefined;
    if (draft) {
      const rows = c.q.map(() => ({ config: {}, choose: 'none' as const, seed: 0, step: 0 }));
      qHandle = (await k.step(draft, { rows, keepProcessed: true })).processed;
      if (!qHandle) return ['backend returned no processed draft distribution'];
      handles.push(qHandle);
    }
    const res = await k.verifyChain({
      target,
      q: c.q.map((_, i) => ({ probs: qHandle as ProbsHandle, row: i })),
      draftTokens: c.draft_tokens,
      config: {},
      seed: 0,
      step: 0,
      uniforms: c.uniforms,
      keepNext: true,
    });
    if (res.next) handles.push(res.next);
    const problems: string[] = [];
    if (res.accepted !== c.expected.accepted) problems.push(`accepted: got ${res.accepted}, want ${c.expected.accepted}`);
    if (!res.next) problems.push('backend returned no next-token distribution');
    else {
      const next = await k.readProbs({ probs: res.next, row: 0 });
      const { err, at } = maxAbsDiff(next, c.expected.next_token_distribution);
      if (!(err <= PROB_TOLERANCE)) {
        problems.push(`next_token_distribution: max abs error ${err.toExponential(3)} at token ${at} (got ${next[at]}, want ${c.expected.next_token_distribution[at]})`);
      }
    }
    return problems;
  } finally {
    for (const h of handles) k.dispose(h);
    k.dispose(target);
    if (draft) k.dispose(draft);
  }
}

/** Runs every case; a backend exception fails that case (with its message) instead of the run. */
export async function runGolden(k: Kernels, file: GoldenFile): Promise<GoldenReport> {
  const failures: GoldenFailure[] = [];
  let passed = 0;
  const all: [string, () => Promise<string[]>][] = [
    ...file.processors.map((c): [string, () => Promise<string[]>] => [c.id, () => runProcessorCase(k, c)]),
    ...file.spec_chain.map((c): [string, () => Promise<string[]>] => [c.id, () => runSpecCase(k, c)]),
  ];
  for (const [id, run] of all) {
    let problems: string[];
    try {
      problems = await run();
    } catch (err) {
      problems = [`error: ${err instanceof Error ? err.message : String(err)}`];
    }
    if (problems.length === 0) passed++;
    else failures.push({ id, what: problems.join('; ') });
  }
  return { cases: all.length, passed, failures };
}
