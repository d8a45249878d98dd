/**
 * The Kernels interface on WebGPU. Logits stay on the device: a step encodes stats -> process ->
 * sample (one workgroup per row each) in one command buffer and reads back only the per-row output
 * blocks (header + top-k lists, a few hundred bytes), never a distribution — except through
 * `readProbs`, which tests and the golden runner use on purpose.
 *
 * Calls are serialized (one in flight) because they share pooled buffers; every GPU failure comes
 * out as a WebGpuKernelsError so the engine can fall back to the CPU kernels.
 */
import { purposeWord } from '../../rng.ts';
import { buildChain } from '../cpu/processors/index.ts';
import type {
  ChainPosition,
  ChainVerifyRequest,
  ChainVerifyResult,
  GpuLogits,
  Kernels,
  Logits,
  ProbsHandle,
  ProbsRef,
  ProcessorConfig,
  RowRequest,
  RowStats,
  StageName,
  StepRequest,
  StepResult,
  StepRowResult,
  TopK,
} from '../types.ts';
import { WebGpuKernelsError } from './errors.ts';
import { DIMS_WORDS, F, H, MAX_TOP_K, ROW_PARAM_WORDS, rowStride, STAGE_SLOT, verifyBlockWords } from './layout.ts';
import type { KernelName, Pipelines, Variant } from './pipelines.ts';
import type { TreeExamined, TreeKernels, TreeVerifyRequest, TreeVerifyResult } from '../types.ts';
import { validateTree } from './tree.ts';

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

/** A processed distribution kept on the GPU: rows x vocab f32 probabilities. */
export class GpuProbs implements ProbsHandle {
  readonly kind = 'probs' as const;
  readonly backend = 'webgpu' as const;
  constructor(
    readonly owner: WebGpuKernels,
    public buffer: GPUBuffer | null,
    readonly rows: number,
    readonly vocab: number,
  ) {}
}

/** Grow-only buffer slot of the pool. */
class Slot {
  buf: GPUBuffer | null = null;
  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    private readonly usage: () => number,
  ) {}
  get(bytes: number): GPUBuffer {
    const need = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (!this.buf || this.buf.size < need) {
      this.buf?.destroy();
      // Grow with headroom so a slowly growing context does not reallocate every step.
      const size = this.buf ? Math.max(need, Math.ceil((this.buf.size * 1.5) / 16) * 16) : need;
      this.buf = this.device.createBuffer({ label: this.label, size, usage: this.usage() });
    }
    return this.buf;
  }
  destroy(): void {
    this.buf?.destroy();
    this.buf = null;
  }
}

function variantOf(l: Logits): Variant {
  return l.kind === 'gpu' && l.dtype === 'float16' ? 'f16' : 'f32';
}

function clampTopK(k: number | undefined): number {
  const v = k ?? 10;
  if (!Number.isInteger(v) || v < 1 || v > MAX_TOP_K) throw new RangeError(`topK must be an integer in [1, ${MAX_TOP_K}], got ${v}`);
  return v;
}

interface RowPlan {
  stages: StageName[];
  flags: number;
  config: ProcessorConfig;
}

/** Validates a config exactly as the CPU reference does (same RangeErrors) and derives the row flags. */
function planRow(config: ProcessorConfig, choose: RowRequest['choose']): RowPlan {
  const chain = buildChain(config);
  const stages = chain.map((p) => p.name);
  let flags = 0;
  for (const s of stages) {
    flags |= {
      repetition_penalty: F.REP,
      temperature: F.TEMP,
      top_k: F.TOPK,
      top_p: F.TOPP,
      min_p: F.MINP,
      typical_p: F.TYPICAL,
      epsilon_cutoff: F.EPS,
      eta_cutoff: F.ETA,
    }[s];
  }
  if ((config.dynatemp_range ?? 0) > 0) flags |= F.DYNATEMP;
  const mode = choose ?? 'sample';
  if (mode === 'none') flags |= F.CHOOSE_NONE;
  else if (mode === 'greedy') flags |= F.CHOOSE_GREEDY;
  else if (mode === 'force') flags |= F.CHOOSE_FORCE;
  return { stages, flags, config };
}

function contextList(ids: ArrayLike<number> | undefined, vocab: number): number[] {
  const out: number[] = [];
  if (!ids) return out;
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j];
    if (Number.isInteger(id) && id >= 0 && id < vocab) out.push(id);
  }
  return out;
}

export interface WebGpuKernelsInfo {
  adapter?: string;
  /** Called by destroy() (e.g. to destroy a device the factory created). */
  onDestroy?: () => void;
}

export class WebGpuKernels implements Kernels, TreeKernels {
  readonly backend = 'webgpu' as const;
  /** Bytes copied device -> host by step/verifyChain since creation (the trace's counter). */
  bytesReadBackTotal = 0;
  /** Bytes copied by readProbs (debug / golden path), kept apart from the per-token figure. */
  bytesReadBackDebug = 0;

  private lost: string | undefined;
  private destroyed = false;
  private chainTail: Promise<unknown> = Promise.resolve();
  private readonly ownedLogits = new WeakSet<GPUBuffer>();
  private readonly live = new Set<GPUBuffer>();
  private readonly dims: GPUBuffer;
  private readonly slots: Record<'params' | 'aux' | 'x' | 'list' | 'out' | 'upload' | 'scratch' | 'qpack', Slot>;
  private readonly staging: Slot;

  constructor(
    readonly device: GPUDevice,
    private readonly pipes: Pipelines,
    readonly info: WebGpuKernelsInfo = {},
  ) {
    device.lost.then((i) => {
      this.lost = `${i.reason}: ${i.message || 'device lost'}`;
    });
    this.dims = device.createBuffer({ label: 'dims', size: DIMS_WORDS * 4, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const mk = (label: string) => new Slot(device, label, STORAGE);
    this.slots = {
      params: mk('row-params'),
      aux: mk('aux'),
      x: mk('processed-logits'),
      list: mk('candidate-lists'),
      out: mk('row-out'),
      upload: mk('upload-logits'),
      scratch: mk('scratch-probs'),
      qpack: mk('draft-q'),
    };
    this.staging = new Slot(device, 'readback', () => GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  }

  // ---- plumbing ----

  private check(): void {
    if (this.destroyed) throw new WebGpuKernelsError('internal', 'kernels used after destroy()');
    if (this.lost !== undefined) throw new WebGpuKernelsError('device-lost', this.lost);
  }

  /** One call at a time: the pooled buffers are shared. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chainTail.then(fn, fn);
    this.chainTail = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs GPU work inside validation / out-of-memory error scopes. The device may be ORT's, whose
   * own code pushes and pops scopes on the same stack, so nothing may await between our push and
   * our pop: pipelines are resolved before (ensure), encoding is synchronous, and `readback` pops
   * right after submit, before waiting for the map. A captured error (or a lost device) wins over
   * whatever secondary failure it caused (e.g. a rejected mapAsync).
   */
  private closing: Promise<WebGpuKernelsError | undefined> | undefined;

  private closeScopes(): Promise<WebGpuKernelsError | undefined> {
    const v = this.device.popErrorScope().catch(() => null);
    const o = this.device.popErrorScope().catch(() => null);
    return Promise.all([v, o]).then(([ve, oe]) => {
      if (this.lost !== undefined) return new WebGpuKernelsError('device-lost', this.lost);
      if (ve) return new WebGpuKernelsError('validation', ve.message);
      if (oe) return new WebGpuKernelsError('out-of-memory', oe.message);
      return undefined;
    });
  }

  private async scoped<T>(fn: () => Promise<T>): Promise<T> {
    const d = this.device;
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    this.closing = undefined;
    let result: T | undefined;
    let failure: unknown;
    let ok = false;
    try {
      result = await fn();
      ok = true;
    } catch (err) {
      failure = err;
    }
    const closing = this.closing ?? this.closeScopes();
    this.closing = undefined;
    const gpuError = await closing;
    if (gpuError) throw gpuError;
    if (!ok) throw failure;
    return result as T;
  }

  /** Compiles (or finds) the pipelines a call needs, before any scope is pushed. */
  private async ensure(names: KernelName[], variant: Variant): Promise<void> {
    await Promise.all(names.map((n) => this.pipes.get(n, n === 'stats' || n === 'process' || n === 'sample' ? variant : 'f32')));
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WebGpuKernelsError || err instanceof RangeError || err instanceof TypeError) {
        if (this.lost !== undefined && !(err instanceof WebGpuKernelsError)) throw new WebGpuKernelsError('device-lost', this.lost);
        throw err;
      }
      if (this.lost !== undefined) throw new WebGpuKernelsError('device-lost', this.lost);
      throw new WebGpuKernelsError('internal', err instanceof Error ? err.message : String(err));
    }
  }

  /** Copies `bytes` from `src` (already encoded work before it) to host memory. */
  /**
   * Submits `encoder`, reads the first `bytes` of `out` back (counted in the readback total) as
   * u32 and f32 views; frees `owned` (a handle the call was about to return) if that fails.
   */
  private async readResults(encoder: GPUCommandEncoder, out: GPUBuffer, bytes: number, owned: GpuProbs | undefined): Promise<{ w: Uint32Array; f: Float32Array }> {
    let data: ArrayBuffer;
    try {
      data = await this.readback(encoder, out, 0, bytes);
    } catch (err) {
      if (owned) this.dispose(owned);
      throw err;
    }
    this.bytesReadBackTotal += bytes;
    return { w: new Uint32Array(data), f: new Float32Array(data) };
  }

  private async readback(encoder: GPUCommandEncoder, src: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    const staging = this.staging.get(bytes);
    encoder.copyBufferToBuffer(src, offset, staging, 0, Math.ceil(bytes / 4) * 4);
    this.device.queue.submit([encoder.finish()]);
    this.closing = this.closeScopes();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, Math.ceil(bytes / 4) * 4);
    } catch (err) {
      if (this.lost !== undefined) throw new WebGpuKernelsError('device-lost', this.lost);
      throw new WebGpuKernelsError('internal', `readback failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const copy = staging.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0);
    staging.unmap();
    return copy;
  }

  private bindGroup(logits: GPUBuffer, params: GPUBuffer, aux: GPUBuffer, x: GPUBuffer, out: GPUBuffer, probs: GPUBuffer): GPUBindGroup {
    const b = (binding: number, buffer: GPUBuffer) => ({ binding, resource: { buffer } });
    return this.device.createBindGroup({
      layout: this.pipes.layout,
      entries: [b(0, logits), b(1, this.dims), b(2, params), b(3, aux), b(4, x), b(5, out), b(6, probs), b(7, this.slots.list.get(x.size))],
    });
  }

  private resolveLogits(l: Logits): { buffer: GPUBuffer; variant: Variant; offset: number } {
    if (l.kind === 'gpu') {
      if (this.ownedLogits.has(l.buffer) && !this.live.has(l.buffer)) throw new TypeError('logits used after dispose()');
      if ((l.buffer.usage & GPUBufferUsage.STORAGE) === 0) throw new TypeError('GPU logits buffer lacks STORAGE usage');
      const elem = l.dtype === 'float16' ? 2 : 4;
      const off = l.byteOffset ?? 0;
      if (off % elem !== 0) throw new RangeError(`logits byteOffset ${off} is not a multiple of ${elem}`);
      return { buffer: l.buffer, variant: l.dtype === 'float16' ? 'f16' : 'f32', offset: off / elem };
    }
    if (l.data.length < l.rows * l.vocab) throw new RangeError(`logits data shorter than rows*vocab (${l.rows}x${l.vocab})`);
    const buf = this.slots.upload.get(l.rows * l.vocab * 4);
    const f32 = l.data instanceof Float32Array ? l.data : Float32Array.from(l.data);
    this.device.queue.writeBuffer(buf, 0, f32.buffer, f32.byteOffset, l.rows * l.vocab * 4);
    return { buffer: buf, variant: 'f32', offset: 0 };
  }

  private writeDims(v: Partial<Record<'vocab' | 'rows' | 'topk' | 'stride' | 'inOffset' | 'kDraft' | 'vflags' | 'resOff' | 'seed' | 'step' | 'pAccept' | 'pResidual' | 'pBonus', number>>): void {
    const d = new Uint32Array(DIMS_WORDS);
    d[0] = v.vocab ?? 0;
    d[1] = v.rows ?? 0;
    d[2] = v.topk ?? 0;
    d[3] = v.stride ?? 0;
    d[4] = v.inOffset ?? 0;
    d[5] = v.kDraft ?? 0;
    d[6] = v.vflags ?? 0;
    d[7] = v.resOff ?? 0;
    d[8] = (v.seed ?? 0) >>> 0;
    d[9] = (v.step ?? 0) >>> 0;
    d[10] = v.pAccept ?? 0;
    d[11] = v.pResidual ?? 0;
    d[12] = v.pBonus ?? 0;
    this.device.queue.writeBuffer(this.dims, 0, d);
  }

  /** Row params + context ids (placed after `auxPrefix` words of aux). */
  private writeRows(plans: RowPlan[], rows: RowRequest[], vocab: number, auxPrefix: Uint32Array): { params: GPUBuffer; aux: GPUBuffer } {
    const ctxs = rows.map((r, i) => ((plans[i].flags & F.REP) !== 0 ? contextList(r.contextIds, vocab) : []));
    const total = ctxs.reduce((a, c) => a + c.length, 0);
    const auxWords = new Uint32Array(Math.max(4, auxPrefix.length + total));
    auxWords.set(auxPrefix, 0);
    const pbytes = new ArrayBuffer(rows.length * ROW_PARAM_WORDS * 4);
    const pf = new Float32Array(pbytes);
    const pu = new Uint32Array(pbytes);
    let off = auxPrefix.length;
    rows.forEach((r, i) => {
      const c = plans[i].config;
      const b = i * ROW_PARAM_WORDS;
      pf[b + 0] = c.temperature ?? 1;
      pf[b + 1] = c.top_p ?? 1;
      pf[b + 2] = c.min_p ?? 0;
      pf[b + 3] = c.typical_p ?? 1;
      pf[b + 4] = c.epsilon_cutoff ?? 0;
      pf[b + 5] = c.eta_cutoff ?? 0;
      pf[b + 6] = c.repetition_penalty ?? 1;
      pf[b + 7] = c.dynatemp_range ?? 0;
      pf[b + 8] = c.dynatemp_exponent ?? 1;
      pu[b + 9] = Math.min(c.top_k ?? 0, 0xffffffff);
      pu[b + 10] = off;
      pu[b + 11] = ctxs[i].length;
      pu[b + 12] = (r.seed ?? 0) >>> 0;
      pu[b + 13] = (r.step ?? 0) >>> 0;
      // 'force' needs no RNG: the word carries the forced token id instead (see sample.wgsl).
      pu[b + 14] = (plans[i].flags & F.CHOOSE_FORCE) !== 0 ? (r.forceToken as number) : purposeWord('sample', r.sub ?? 0);
      pu[b + 15] = plans[i].flags;
      auxWords.set(ctxs[i], off);
      off += ctxs[i].length;
    });
    const params = this.slots.params.get(pbytes.byteLength);
    this.device.queue.writeBuffer(params, 0, pbytes);
    const aux = this.slots.aux.get(auxWords.byteLength);
    this.device.queue.writeBuffer(aux, 0, auxWords);
    return { params, aux };
  }

  private dispatchRows(pass: GPUComputePassEncoder, variant: Variant, rows: number, bind: GPUBindGroup, names: ('stats' | 'process' | 'sample' | 'probs')[]): void {
    for (const name of names) {
      pass.setPipeline(this.pipes.sync(name, name === 'probs' ? 'f32' : variant));
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(rows);
    }
  }

  /** Decodes one row's output block (`w` = u32 view, `f` = f32 view of the same words). */
  private rowStats(w: Uint32Array, f: Float32Array, base: number, k: number, plan: RowPlan): RowStats {
    const top = (idsAt: number, lpAt: number, count: number): TopK => {
      const ids: number[] = [];
      const logprobs: number[] = [];
      for (let j = 0; j < count; j++) {
        ids.push(w[base + idsAt + j]);
        logprobs.push(f[base + lpAt + j]);
      }
      return { ids, probs: logprobs.map(Math.exp), logprobs };
    };
    const dyn = (plan.flags & F.DYNATEMP) !== 0;
    return {
      entropy: f[base + H.ENTROPY],
      varentropy: f[base + H.VARENTROPY],
      rawTop: top(H.SIZE, H.SIZE + k, Math.min(k, w[base + H.RAW_TOP_N])),
      processedTop: top(H.SIZE + 2 * k, H.SIZE + 3 * k, Math.min(k, w[base + H.PROC_TOP_N])),
      stages: plan.stages.map((name) => {
        const slot = STAGE_SLOT[name];
        return { name, kept: w[base + H.KEPT + slot], removedMass: f[base + H.REMOVED + slot] };
      }),
      // The configured value exactly (as the CPU reports it) unless dynatemp computed one.
      temperature: dyn ? f[base + H.TEMPERATURE] : (plan.config.temperature ?? 1),
      degenerate: w[base + H.DEGENERATE] === 1,
    };
  }

  // ---- Kernels ----

  async createLogits(data: Float32Array | Float64Array, rows: number, vocab: number): Promise<Logits> {
    if (!Number.isInteger(rows) || !Number.isInteger(vocab) || rows < 1 || vocab < 1 || data.length !== rows * vocab) {
      throw new RangeError(`logits: data length ${data.length} does not match ${rows} x ${vocab}`);
    }
    return this.guard(() => this.scoped(async () => {
      const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
      const buffer = this.device.createBuffer({ label: 'logits', size: Math.max(16, Math.ceil((rows * vocab * 4) / 16) * 16), usage: STORAGE() });
      this.device.queue.writeBuffer(buffer, 0, f32.buffer, f32.byteOffset, rows * vocab * 4);
      this.ownedLogits.add(buffer);
      this.live.add(buffer);
      const l: GpuLogits = { kind: 'gpu', rows, vocab, buffer, dtype: 'float32' };
      return l;
    }));
  }

  step(logits: Logits, request: StepRequest): Promise<StepResult> {
    const names: KernelName[] = request.keepProcessed ? ['stats', 'process', 'sample', 'probs'] : ['stats', 'process', 'sample'];
    return this.serial(() => this.guard(async () => {
      await this.ensure(names, variantOf(logits));
      return this.scoped(() => this.stepImpl(logits, request));
    }));
  }

  private async stepImpl(logits: Logits, request: StepRequest): Promise<StepResult> {
    const R = logits.rows;
    const V = logits.vocab;
    if (request.rows.length !== R) throw new RangeError(`step: ${request.rows.length} row requests for ${R} logits rows`);
    if (R > 65535) throw new RangeError(`step: at most 65535 rows per call, got ${R}`);
    const k = clampTopK(request.topK);
    const plans = request.rows.map((r) => planRow(r.config, r.choose));
    request.rows.forEach((r) => {
      if ((r.choose ?? 'sample') !== 'force') return;
      const t = r.forceToken;
      if (t === undefined || !Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`forceToken must be a token id in 0..${V - 1}, got ${t}`);
    });
    const stride = rowStride(k);
    const src = this.resolveLogits(logits);

    const { params, aux } = this.writeRows(plans, request.rows, V, new Uint32Array(0));
    this.writeDims({ vocab: V, rows: R, topk: k, stride, inOffset: src.offset });
    const x = this.slots.x.get(R * V * 4);
    const out = this.slots.out.get(R * stride * 4);
    let kept: GpuProbs | undefined;
    if (request.keepProcessed) {
      const buf = this.device.createBuffer({ label: 'processed-probs', size: Math.ceil((R * V * 4) / 16) * 16, usage: STORAGE() });
      this.live.add(buf);
      kept = new GpuProbs(this, buf, R, V);
    }
    const bind = this.bindGroup(src.buffer, params, aux, x, out, kept?.buffer ?? this.slots.scratch.get(16));
    const enc = this.device.createCommandEncoder({ label: 'step' });
    const pass = enc.beginComputePass({ label: 'step' });
    this.dispatchRows(pass, src.variant, R, bind, kept ? ['stats', 'process', 'sample', 'probs'] : ['stats', 'process', 'sample']);
    pass.end();
    const bytes = R * stride * 4;
    const { w, f } = await this.readResults(enc, out, bytes, kept);
    const rows: StepRowResult[] = plans.map((plan, r) => {
      const base = r * stride;
      const res: StepRowResult = this.rowStats(w, f, base, k, plan);
      if ((plan.flags & F.CHOOSE_NONE) === 0) {
        res.choice = {
          token: w[base + H.TOKEN],
          rawProb: f[base + H.RAW_PROB],
          rawLogprob: f[base + H.RAW_LOGPROB],
          rawRank: w[base + H.RAW_RANK],
          processedProb: f[base + H.PROC_PROB],
        };
      }
      return res;
    });
    return { rows, processed: kept, bytesReadBack: bytes };
  }

  verifyChain(req: ChainVerifyRequest): Promise<ChainVerifyResult> {
    return this.serial(() => this.guard(async () => {
      await this.ensure(['stats', 'process', 'verify'], variantOf(req.target));
      return this.scoped(() => this.verifyImpl(req));
    }));
  }

  private async verifyImpl(req: ChainVerifyRequest): Promise<ChainVerifyResult> {
    const target = req.target;
    const K = req.draftTokens.length;
    const V = target.vocab;
    if (target.rows !== K + 1 || req.q.length !== K) throw new RangeError(`verifyChain: need ${K + 1} target rows and ${K} draft distributions`);
    const k = clampTopK(req.topK);
    const sub = req.sub ?? 0;
    const greedy = req.greedy === true || req.config.temperature === 0;
    for (const x of req.draftTokens) if (!Number.isInteger(x) || x < 0 || x >= V) throw new RangeError(`draft token ${x} out of range`);
    const qs = req.q.map((ref) => this.probsRow(ref));
    for (const q of qs) if (q.vocab !== V) throw new RangeError('draft distribution vocab differs from target vocab');
    if (req.uniforms && req.uniforms.length < K) throw new RangeError(`verifyChain: need ${K} uniforms, got ${req.uniforms.length}`);

    const base = Array.from(req.contextIds ?? []);
    const rowReqs: RowRequest[] = Array.from({ length: K + 1 }, (_, i) => ({
      config: req.config,
      contextIds: req.config.repetition_penalty !== undefined ? base.concat(req.draftTokens.slice(0, i)) : undefined,
      choose: 'none',
      seed: req.seed,
      step: req.step,
      sub,
    }));
    const plans = rowReqs.map((r) => planRow(r.config, r.choose));
    const stride = rowStride(k);
    const src = this.resolveLogits(target);

    const prefix = new Uint32Array(2 * K);
    prefix.set(req.draftTokens, 0);
    if (req.uniforms) new Float32Array(prefix.buffer, K * 4, K).set(req.uniforms.slice(0, K));
    const { params, aux } = this.writeRows(plans, rowReqs, V, prefix);
    const resOff = (K + 1) * stride;
    const blockWords = verifyBlockWords(K, k);
    this.writeDims({
      vocab: V,
      rows: K + 1,
      topk: k,
      stride,
      inOffset: src.offset,
      kDraft: K,
      vflags: (req.uniforms ? 1 : 0) | (greedy ? 2 : 0),
      resOff,
      seed: req.seed,
      step: req.step,
      pAccept: purposeWord('accept', sub),
      pResidual: purposeWord('residual', sub),
      pBonus: purposeWord('bonus', sub),
    });
    const x = this.slots.x.get((K + 1) * V * 4);
    const out = this.slots.out.get((resOff + blockWords) * 4);
    let next: GpuProbs | undefined;
    if (req.keepNext) {
      const buf = this.device.createBuffer({ label: 'next-probs', size: Math.ceil((V * 4) / 16) * 16, usage: STORAGE() });
      this.live.add(buf);
      next = new GpuProbs(this, buf, 1, V);
    }
    const nextBuf = next?.buffer ?? this.slots.scratch.get(V * 4);
    const enc = this.device.createCommandEncoder({ label: 'verify-chain' });
    // Pack the K draft rows (possibly from different handles) into one [K, V] buffer, on the GPU.
    const qpack = this.slots.qpack.get(Math.max(1, K) * V * 4);
    qs.forEach((q, i) => enc.copyBufferToBuffer(q.buffer, q.row * V * 4, qpack, i * V * 4, V * 4));
    const pass = enc.beginComputePass({ label: 'verify-chain' });
    this.dispatchRows(pass, src.variant, K + 1, this.bindGroup(src.buffer, params, aux, x, out, nextBuf), ['stats', 'process']);
    pass.setPipeline(this.pipes.sync('verify', 'f32'));
    pass.setBindGroup(0, this.bindGroup(qpack, params, aux, x, out, nextBuf));
    pass.dispatchWorkgroups(1);
    pass.end();
    const bytes = (resOff + blockWords) * 4;
    const { w, f } = await this.readResults(enc, out, bytes, next);
    const accepted = w[resOff];
    const rejected = w[resOff + 2] === 0;
    const positions: ChainPosition[] = [];
    for (let i = 0; i < Math.min(K, accepted + 1); i++) {
      const o = resOff + 4 + 4 * i;
      positions.push({
        token: req.draftTokens[i],
        p: f[o],
        q: f[o + 1],
        u: greedy ? NaN : (req.uniforms?.[i] ?? f[o + 2]),
        accepted: w[o + 3] === 1,
      });
    }
    let residualTop: TopK | undefined;
    if (rejected && !greedy) {
      const cnt = Math.min(k, w[resOff + 3]);
      const o = resOff + 4 + 4 * K;
      const ids: number[] = [];
      const probs: number[] = [];
      for (let j = 0; j < cnt; j++) {
        ids.push(w[o + j]);
        probs.push(f[o + k + j]);
      }
      residualTop = { ids, probs, logprobs: probs.map(Math.log) };
    }
    const targetStats: RowStats[] = [];
    for (let r = 0; r <= accepted; r++) targetStats.push(this.rowStats(w, f, r * stride, k, plans[r]));
    return {
      accepted,
      nextToken: w[resOff + 1],
      nextKind: rejected ? 'residual' : 'bonus',
      positions,
      residualTop,
      targetStats,
      next,
      bytesReadBack: bytes,
    };
  }

  /**
   * Tree (multi-draft) verification in one dispatch (contract in types.ts). Supports i.i.d.,
   * without-replacement and deterministic (one-hot) sibling drafts, greedy, and uniforms
   * overrides; relaxed acceptance is CPU-only (RangeError here: run that request on the CPU
   * kernels). The CPU-only result fields (choices, nodeP, relaxedDrift) are not filled.
   */
  readonly treeExtensions = ['withoutReplacement', 'deterministic', 'uniforms'] as const;

  verifyTree(req: TreeVerifyRequest): Promise<TreeVerifyResult> {
    return this.serial(() => this.guard(async () => {
      await this.ensure(['stats', 'process', 'verifyTree'], variantOf(req.target));
      return this.scoped(() => this.verifyTreeImpl(req));
    }));
  }

  private async verifyTreeImpl(req: TreeVerifyRequest): Promise<TreeVerifyResult> {
    const target = req.target;
    const V = target.vocab;
    const N = req.parents.length;
    validateTree(req.parents, req.tokens, V);
    if (req.relaxed) throw new RangeError('verifyTree: relaxed acceptance is implemented by the CPU kernels only');
    const det = req.deterministic === true;
    if (target.rows !== N) throw new RangeError(`verifyTree: need ${N} target rows (one per node), got ${target.rows}`);
    if (req.q.length !== N && !det) throw new RangeError(`verifyTree: q needs one entry per node (${N})`);
    if (req.uniforms && req.uniforms.length < N) throw new RangeError(`verifyTree: uniforms need one entry per node id (${N})`);
    const k = clampTopK(req.topK);
    const sub = req.sub ?? 0;
    const greedy = req.greedy === true || req.config.temperature === 0;
    const childCount = new Array<number>(N).fill(0);
    for (let j = 1; j < N; j++) childCount[req.parents[j]]++;
    const qs = Array.from({ length: N }, (_, j) => {
      const ref = req.q[j];
      if (childCount[j] === 0 || det) return undefined;
      if (!ref) throw new RangeError(`verifyTree: node ${j} has children but no draft distribution`);
      const r = this.probsRow(ref);
      if (r.vocab !== V) throw new RangeError('draft distribution vocab differs from target vocab');
      return r;
    });

    // Per-node context for the repetition penalty: base ++ tokens on the path root..node.
    const base = Array.from(req.contextIds ?? []);
    const pathTokens = (j: number): number[] => {
      const out: number[] = [];
      for (let u = j; u > 0; u = req.parents[u]) out.push(req.tokens[u]);
      return out.reverse();
    };
    const rowReqs: RowRequest[] = Array.from({ length: N }, (_, j) => ({
      config: req.config,
      contextIds: req.config.repetition_penalty !== undefined ? base.concat(pathTokens(j)) : undefined,
      choose: 'none',
      seed: req.seed,
      step: req.step,
      sub,
    }));
    const plans = rowReqs.map((r) => planRow(r.config, r.choose));
    const stride = rowStride(k);
    const src = this.resolveLogits(target);

    // aux: tok[N], child_start[N], child_count[N], children (ascending id per parent).
    const prefix = new Uint32Array(5 * N);
    if (req.uniforms) new Float32Array(prefix.buffer, 4 * N * 4, N).set(req.uniforms.slice(0, N));
    const children: number[][] = Array.from({ length: N }, () => []);
    for (let j = 1; j < N; j++) children[req.parents[j]].push(j);
    let at = 0;
    for (let u = 0; u < N; u++) {
      prefix[u] = u === 0 ? 0 : req.tokens[u];
      prefix[N + u] = at;
      prefix[2 * N + u] = children[u].length;
      for (const c of children[u]) prefix[3 * N + at++] = c;
    }
    const { params, aux } = this.writeRows(plans, rowReqs, V, prefix);
    const resOff = N * stride;
    const blockWords = 4 + N + 5 * N + 2 * k;
    this.writeDims({
      vocab: V,
      rows: N,
      topk: k,
      stride,
      inOffset: src.offset,
      kDraft: N,
      vflags: (req.uniforms ? 1 : 0) | (greedy ? 2 : 0) | (req.withoutReplacement ? 4 : 0) | (det ? 8 : 0),
      resOff,
      seed: req.seed,
      step: req.step,
      pAccept: purposeWord('accept', sub),
      pResidual: purposeWord('residual', sub),
      pBonus: purposeWord('bonus', sub),
    });
    const x = this.slots.x.get(N * V * 4);
    const out = this.slots.out.get((resOff + blockWords) * 4);
    const work = this.slots.scratch.get(2 * V * 4);
    const enc = this.device.createCommandEncoder({ label: 'verify-tree' });
    const qpack = this.slots.qpack.get(N * V * 4);
    qs.forEach((q, j) => {
      if (q) enc.copyBufferToBuffer(q.buffer, q.row * V * 4, qpack, j * V * 4, V * 4);
    });
    const pass = enc.beginComputePass({ label: 'verify-tree' });
    this.dispatchRows(pass, src.variant, N, this.bindGroup(src.buffer, params, aux, x, out, work), ['stats', 'process']);
    pass.setPipeline(this.pipes.sync('verifyTree', 'f32'));
    pass.setBindGroup(0, this.bindGroup(qpack, params, aux, x, out, work));
    pass.dispatchWorkgroups(1);
    pass.end();
    let next: GpuProbs | undefined;
    if (req.keepNext) {
      const buf = this.device.createBuffer({ label: 'next-probs', size: Math.ceil((V * 4) / 16) * 16, usage: STORAGE() });
      this.live.add(buf);
      next = new GpuProbs(this, buf, 1, V);
      enc.copyBufferToBuffer(work, 0, buf, 0, V * 4);
    }
    const bytes = (resOff + blockWords) * 4;
    const { w, f } = await this.readResults(enc, out, bytes, next);
    const depth = w[resOff];
    const path: number[] = [];
    for (let d = 0; d < depth; d++) path.push(w[resOff + 4 + d]);
    const examined: TreeExamined[] = [];
    const nExamined = w[resOff + 3] & 0xffff;
    for (let e = 0; e < nExamined; e++) {
      const o = resOff + 4 + N + 5 * e;
      const node = w[o];
      examined.push({
        node,
        token: req.tokens[node],
        p: f[o + 1],
        q: greedy ? NaN : f[o + 2], // as the CPU reference: greedy tests no q
        u: greedy ? NaN : (req.uniforms?.[node] ?? f[o + 3]),
        accepted: w[o + 4] === 1,
      });
    }
    let residualTop: TopK | undefined;
    const nTop = Math.min(k, w[resOff + 3] >>> 16);
    if (nTop > 0) {
      const o = resOff + 4 + N + 5 * N;
      const ids: number[] = [];
      const probs: number[] = [];
      for (let j = 0; j < nTop; j++) {
        ids.push(w[o + j]);
        probs.push(f[o + k + j]);
      }
      residualTop = { ids, probs, logprobs: probs.map(Math.log) };
    }
    const targetStats = [0, ...path].map((j) => this.rowStats(w, f, j * stride, k, plans[j]));
    return {
      path,
      tokens: path.map((j) => req.tokens[j]),
      nextToken: w[resOff + 1],
      nextKind: w[resOff + 2] === 0 ? 'residual' : 'bonus',
      examined,
      targetStats,
      next,
      bytesReadBack: bytes,
      residualTop,
    };
  }

  private probsRow(ref: ProbsRef): { buffer: GPUBuffer; row: number; vocab: number } {
    const h = ref.probs;
    if (!(h instanceof GpuProbs) || h.owner !== this) throw new TypeError('ProbsHandle does not belong to these WebGPU kernels');
    if (!h.buffer) throw new Error('ProbsHandle used after dispose()');
    if (!Number.isInteger(ref.row) || ref.row < 0 || ref.row >= h.rows) throw new RangeError(`ProbsHandle row ${ref.row} out of range (rows = ${h.rows})`);
    return { buffer: h.buffer, row: ref.row, vocab: h.vocab };
  }

  readProbs(ref: ProbsRef): Promise<Float64Array> {
    return this.serial(() =>
      this.guard(async () => {
        const { buffer, row, vocab } = this.probsRow(ref);
        return this.scoped(async () => {
        const enc = this.device.createCommandEncoder({ label: 'read-probs' });
        const data = await this.readback(enc, buffer, row * vocab * 4, vocab * 4);
        this.bytesReadBackDebug += vocab * 4;
        return Float64Array.from(new Float32Array(data, 0, vocab));
        });
      }),
    );
  }

  dispose(handle: Logits | ProbsHandle): void {
    if (handle instanceof GpuProbs) {
      if (handle.buffer) {
        this.live.delete(handle.buffer);
        handle.buffer.destroy();
        handle.buffer = null;
      }
      return;
    }
    if (handle.kind === 'gpu' && this.ownedLogits.has(handle.buffer) && this.live.has(handle.buffer)) {
      this.live.delete(handle.buffer);
      handle.buffer.destroy();
    }
    // CPU logits and buffers owned by others (ORT) are not ours to free.
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.live) b.destroy();
    this.live.clear();
    for (const s of Object.values(this.slots)) s.destroy();
    this.staging.destroy();
    this.dims.destroy();
    this.info.onDestroy?.();
  }
}
