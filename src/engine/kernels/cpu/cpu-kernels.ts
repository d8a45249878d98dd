import { purposeWord, uniform } from '../../rng.ts';
import type {
  ChainVerifyRequest,
  ChainVerifyResult,
  Choice,
  CpuLogits,
  DrawRequest,
  DrawResult,
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
import { gatherRowData } from '../gather.ts';
import { checkDrawUniforms, clampTopK } from '../limits.ts';
import { drawInverseCdf, drawWithoutReplacement } from './draws.ts';
import { checkVerifiable } from '../processors/registry.ts';
import { verifyTreeCpu } from './tree.ts';
import { chooseToken, describe, processedProbAt, processedProbs, processRow, type ProcessedRow } from './pipeline.ts';
import { RowBuffers } from './row.ts';
import { argmaxOf, gumbelArgmaxProbs } from './sample.ts';
import { walkChain } from './speculative.ts';
import { topKOfProbs } from './stats.ts';

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

/** Reference implementation of the Kernels interface: f64 TypeScript, synchronous under the hood. */
export class CpuKernels implements Kernels, TreeKernels {
  readonly backend = 'cpu' as const;
  /** Row arrays reused by step and verifyChain, which are done with each row before the next. */
  private readonly buffers = new RowBuffers();

  async createLogits(data: Float32Array | Float64Array, rows: number, vocab: number): Promise<Logits> {
    if (!Number.isInteger(rows) || !Number.isInteger(vocab) || rows < 1 || vocab < 1 || data.length !== rows * vocab) {
      throw new RangeError(`logits: data length ${data.length} does not match ${rows} x ${vocab}`);
    }
    return { kind: 'cpu', rows, vocab, data };
  }

  async gatherRows(logits: Logits, rows: readonly number[]): Promise<{ logits: Logits; bytesReadBack: number }> {
    const l = cpuLogits(logits);
    return { logits: { kind: 'cpu', rows: rows.length, vocab: l.vocab, data: gatherRowData(l.data, l.vocab, rows, l.rows) }, bytesReadBack: 0 };
  }

  async step(logits: Logits, request: StepRequest): Promise<StepResult> {
    const l = cpuLogits(logits);
    if (request.rows.length !== l.rows) throw new RangeError(`step: ${request.rows.length} row requests for ${l.rows} logits rows`);
    const topK = clampTopK(request.topK);
    const rows: StepRowResult[] = [];
    const kept: Float64Array[] = [];
    for (let r = 0; r < l.rows; r++) {
      const req = request.rows[r];
      const key = { seed: req.seed, step: req.step, sub: req.sub ?? 0 };
      const row = processRow(l.data, r * l.vocab, l.vocab, req.config, req.contextIds, topK, { rng: key, state: req.state, buffers: this.buffers, lean: req.lean });
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
    checkVerifiable(req.config);
    const topK = clampTopK(req.topK);
    const sub = req.sub ?? 0;
    const greedy = req.greedy === true || req.config.temperature === 0;
    const base = Array.from(req.contextIds ?? []);
    const targetStats: RowStats[] = [];
    // Each examined row describes its draft token while its state is live (the buffers are reused
    // by the next row); the last examined row stays live for the next token.
    const choices: Choice[] = [];
    let last: ProcessedRow | undefined;
    const p = (i: number): Float64Array => {
      if (i < K) {
        const x = req.draftTokens[i];
        if (!Number.isInteger(x) || x < 0 || x >= target.vocab) throw new RangeError(`draft token ${x} out of range`);
      }
      const ctx = base.concat(req.draftTokens.slice(0, i));
      const row = processRow(target.data, i * target.vocab, target.vocab, req.config, ctx, topK, { buffers: this.buffers });
      targetStats.push(row.stats);
      if (i < K) choices.push(describe(row, req.draftTokens[i]));
      last = row;
      return processedProbs(row);
    };
    const q = (i: number): Float64Array => {
      const qi = probsOf(req.q[i]);
      if (qi.length !== target.vocab) throw new RangeError('draft distribution vocab differs from target vocab');
      return qi;
    };
    const accept = greedy ? 'greedy' : (i: number) => req.uniforms?.[i] ?? uniform(req.seed, req.step, purposeWord('accept', sub), i);
    const walk = walkChain(req.draftTokens, p, q, accept);
    const dist = walk.nextDistribution;
    const nextToken = greedy ? argmaxOf(dist) : gumbelArgmaxProbs(dist, req.seed, req.step, purposeWord(walk.nextKind, sub));
    const choiceOfNext = describe(last!, nextToken);
    // The drafts past the first rejection were never tested; their rows are processed only for
    // the probability the tree view shows (after the next token is described: buffers are reused).
    const draftP = walk.positions.map((x) => x.p);
    for (let i = draftP.length; i < K; i++) {
      const row = processRow(target.data, i * target.vocab, target.vocab, req.config, base.concat(req.draftTokens.slice(0, i)), 1, { buffers: this.buffers, lean: true });
      draftP.push(processedProbAt(row, req.draftTokens[i]));
    }
    return {
      accepted: walk.accepted,
      nextToken,
      nextKind: walk.nextKind,
      positions: walk.positions,
      residualTop: !greedy && walk.nextKind === 'residual' ? topKOfProbs(dist, topK) : undefined,
      targetStats,
      choices: [...choices.slice(0, walk.accepted), choiceOfNext],
      draftP,
      next: req.keepNext ? new CpuProbs([dist], dist.length) : undefined,
      bytesReadBack: 0,
    };
  }

  /** Tree / multi-draft verification (contract in ../types.ts; implementation in tree.ts). */
  async verifyTree(req: TreeVerifyRequest): Promise<TreeVerifyResult> {
    const target = cpuLogits(req.target);
    checkVerifiable(req.config);
    const { result, nextDist } = verifyTreeCpu(req, target, clampTopK(req.topK), probsOf);
    if (req.keepNext) result.next = new CpuProbs([nextDist], target.vocab);
    return result;
  }

  async drawFromProbs(probs: ProbsHandle, requests: DrawRequest[]): Promise<DrawResult> {
    const draws = requests.map((r) => {
      checkDrawUniforms(r.uniforms);
      const q = probsOf({ probs, row: r.row });
      const tokens = r.withoutReplacement
        ? drawWithoutReplacement(q, r.uniforms.length, (k) => r.uniforms[k])
        : r.uniforms.map((u) => drawInverseCdf(q, u)).filter((x) => x >= 0);
      return { tokens, q: tokens.map((x) => q[x]) };
    });
    return { draws, bytesReadBack: 0 };
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
