import { purposeWord, uniform } from '../../rng.ts';
import type {
  ChainPosition,
  ChainVerifyRequest,
  ChainVerifyResult,
  CpuLogits,
  Kernels,
  Logits,
  ProbsHandle,
  ProbsRef,
  RowStats,
  StepRequest,
  StepResult,
  StepRowResult,
  TreeKernels,
  TreeVerifyRequest,
  TreeVerifyResult,
} from '../types.ts';
import { verifyTreeCpu } from './tree.ts';
import type { ProcessedRow } from './pipeline.ts';
import { chooseToken, describe, processedProbs, processRow } from './pipeline.ts';
import { argmaxOf, gumbelArgmaxProbs } from './sample.ts';
import { acceptDraft, residual } from './speculative.ts';
import { topKOfProbs } from './stats.ts';

const MAX_TOP_K = 64;

/** CPU ProbsHandle: dense f64 rows. */
class CpuProbs implements ProbsHandle {
  readonly kind = 'probs' as const;
  readonly backend = 'cpu' as const;
  readonly vocab: number;
  private data: Float64Array[] | null;
  constructor(rows: Float64Array[], vocab: number) {
    this.data = rows;
    this.vocab = vocab;
  }
  get rows(): number {
    return this.data?.length ?? 0;
  }
  row(r: number): Float64Array {
    if (!this.data) throw new Error('ProbsHandle used after dispose()');
    const d = this.data[r];
    if (!d) throw new RangeError(`ProbsHandle row ${r} out of range (rows = ${this.data.length})`);
    return d;
  }
  dispose(): void {
    this.data = null;
  }
}

function cpuLogits(l: Logits): CpuLogits {
  if (l.kind !== 'cpu') throw new TypeError('CPU kernels need CPU logits (got a GPU buffer)');
  if (l.data.length < l.rows * l.vocab) throw new RangeError(`logits data shorter than rows*vocab (${l.rows}x${l.vocab})`);
  return l;
}

function probsOf(ref: ProbsRef): Float64Array {
  if (!(ref.probs instanceof CpuProbs)) throw new TypeError('ProbsHandle does not belong to the CPU kernels');
  return ref.probs.row(ref.row);
}

function clampTopK(k: number | undefined): number {
  const v = k ?? 10;
  if (!Number.isInteger(v) || v < 1 || v > MAX_TOP_K) throw new RangeError(`topK must be an integer in [1, ${MAX_TOP_K}], got ${v}`);
  return v;
}

/** Reference implementation of the Kernels interface: f64 TypeScript, synchronous under the hood. */
export class CpuKernels implements Kernels, TreeKernels {
  readonly backend = 'cpu' as const;

  async createLogits(data: Float32Array | Float64Array, rows: number, vocab: number): Promise<Logits> {
    if (!Number.isInteger(rows) || !Number.isInteger(vocab) || rows < 1 || vocab < 1 || data.length !== rows * vocab) {
      throw new RangeError(`logits: data length ${data.length} does not match ${rows} x ${vocab}`);
    }
    return { kind: 'cpu', rows, vocab, data };
  }

  async step(logits: Logits, request: StepRequest): Promise<StepResult> {
    const l = cpuLogits(logits);
    if (request.rows.length !== l.rows) throw new RangeError(`step: ${request.rows.length} row requests for ${l.rows} logits rows`);
    const topK = clampTopK(request.topK);
    const rows: StepRowResult[] = [];
    const kept: Float64Array[] = [];
    for (let r = 0; r < l.rows; r++) {
      const req = request.rows[r];
      const row = processRow(l.data, r * l.vocab, l.vocab, req.config, req.contextIds, topK);
      const mode = req.choose ?? 'sample';
      const result: StepRowResult = { ...row.stats };
      if (mode === 'force') result.choice = describe(row, checkedForceToken(req.forceToken, l.vocab));
      else if (mode !== 'none') result.choice = chooseToken(row, mode, req.seed, req.step, req.sub ?? 0);
      rows.push(result);
      if (request.keepProcessed) kept.push(processedProbs(row));
    }
    return { rows, processed: request.keepProcessed ? new CpuProbs(kept, l.vocab) : undefined, bytesReadBack: 0 };
  }

  async verifyChain(req: ChainVerifyRequest): Promise<ChainVerifyResult> {
    const target = cpuLogits(req.target);
    const K = req.draftTokens.length;
    if (target.rows !== K + 1 || req.q.length !== K) {
      throw new RangeError(`verifyChain: need ${K + 1} target rows and ${K} draft distributions`);
    }
    const topK = clampTopK(req.topK);
    const sub = req.sub ?? 0;
    const greedy = req.greedy === true || req.config.temperature === 0;
    const base = Array.from(req.contextIds ?? []);
    const positions: ChainPosition[] = [];
    const targetStats: RowStats[] = [];
    const rowAt = (i: number): ProcessedRow => {
      const ctx = req.config.repetition_penalty !== undefined ? base.concat(req.draftTokens.slice(0, i)) : undefined;
      const row = processRow(target.data, i * target.vocab, target.vocab, req.config, ctx, topK);
      targetStats.push(row.stats);
      return row;
    };
    for (let i = 0; i < K; i++) {
      const x = req.draftTokens[i];
      if (!Number.isInteger(x) || x < 0 || x >= target.vocab) throw new RangeError(`draft token ${x} out of range`);
      const row = rowAt(i);
      const p = processedProbs(row);
      const q = probsOf(req.q[i]);
      if (q.length !== target.vocab) throw new RangeError('draft distribution vocab differs from target vocab');
      if (greedy) {
        const best = argmaxOf(p);
        const ok = best === x;
        positions.push({ token: x, p: p[x], q: q[x], u: NaN, accepted: ok });
        if (!ok) return this.finish(req, i, best, 'residual', positions, targetStats, p, undefined);
        continue;
      }
      const u = req.uniforms?.[i] ?? uniform(req.seed, req.step, purposeWord('accept', sub), i);
      const ok = acceptDraft(p[x], q[x], u);
      positions.push({ token: x, p: p[x], q: q[x], u, accepted: ok });
      if (!ok) {
        const r = residual(p, q) ?? p;
        const next = gumbelArgmaxProbs(r, req.seed, req.step, purposeWord('residual', sub));
        return this.finish(req, i, next, 'residual', positions, targetStats, r, topKOfProbs(r, topK));
      }
    }
    const last = rowAt(K);
    const pK = processedProbs(last);
    const next = greedy ? argmaxOf(pK) : gumbelArgmaxProbs(pK, req.seed, req.step, purposeWord('bonus', sub));
    return this.finish(req, K, next, 'bonus', positions, targetStats, pK, undefined);
  }

  /** Tree / multi-draft verification (contract in ../types.ts; implementation in tree.ts). */
  async verifyTree(req: TreeVerifyRequest): Promise<TreeVerifyResult> {
    const target = cpuLogits(req.target);
    const { result, nextDist } = verifyTreeCpu(req, target, clampTopK(req.topK), probsOf);
    if (req.keepNext) result.next = new CpuProbs([nextDist], target.vocab);
    return result;
  }

  private finish(
    req: ChainVerifyRequest,
    accepted: number,
    nextToken: number,
    nextKind: 'residual' | 'bonus',
    positions: ChainPosition[],
    targetStats: RowStats[],
    nextDist: Float64Array,
    residualTop: ChainVerifyResult['residualTop'],
  ): ChainVerifyResult {
    return {
      accepted,
      nextToken,
      nextKind,
      positions,
      residualTop,
      targetStats,
      next: req.keepNext ? new CpuProbs([nextDist], nextDist.length) : undefined,
      bytesReadBack: 0,
    };
  }

  async readProbs(ref: ProbsRef): Promise<Float64Array> {
    return Float64Array.from(probsOf(ref));
  }

  dispose(handle: Logits | ProbsHandle): void {
    if (handle instanceof CpuProbs) handle.dispose();
    // CPU logits are plain arrays owned by the caller: nothing to free.
  }

  destroy(): void {}
}

function checkedForceToken(token: number | undefined, vocab: number): number {
  if (token === undefined || !Number.isInteger(token) || token < 0 || token >= vocab) {
    throw new RangeError(`forceToken must be a token id in 0..${vocab - 1}, got ${token}`);
  }
  return token;
}
