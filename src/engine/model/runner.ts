/**
 * ModelRunner: one causal LM loaded through transformers.js (tokenizer, config, ONNX session),
 * driven step by step by the engine rather than by `generate()`: prefill, one-token decode,
 * multi-token verification (draft chains), KV rollback and batched rows all go through
 * `forwardLogits` on a `Sequence`. We call the ORT session directly (transformers' `forward` hides the cache and
 * always pulls logits to the CPU), feeding position ids ourselves so verification and rollback
 * see the right positions.
 */
import { AutoConfig, AutoModelForCausalLM, AutoTokenizer, Tensor } from '@huggingface/transformers';
import type { Logits } from '../kernels/types.ts';
import { checkConfig, readContract, type ExportContract } from './export-contract.ts';
import { KvCache } from './kv-cache.ts';
import { toFloat32 } from './logits-data.ts';
import { Sequence } from './sequence.ts';
import { ortWebGpuDevice } from './sources.ts';
import { treeMaskFeeds } from './tree-mask.ts';
import { classifyLoadError } from './load-error.ts';
import type { LoadedModel, LoadedTokenizer, OrtTensor, OrtTensorClass } from './ort-types.ts';

export { Sequence };
export { configureModelSources, ortWebGpuDevice } from './sources.ts';

export type { Backend, ChatPrompt, DType, LoadOptions, LoadProgress, ModelInfo } from './model-info.ts';
import type { ChatPrompt, LoadOptions, LoadProgress, ModelInfo } from './model-info.ts';

const asIds = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : typeof v === 'number' ? [v] : []);

export class ModelRunner {
  /** Forward passes run so far (the trace reports them per run: read before and after). */
  forwards = 0;
  /** Milliseconds spent in forward passes so far (feeds, session.run, KV update, logits copy). */
  forwardMs = 0;
  /** `readLogits` calls so far: strategies that only need top-k lists and scalars never make one. */
  fullLogitsReads = 0;
  /** `forward` takes a token tree (`parents`): the export reads a tree mask from attention_mask (export-contract.ts). */
  readonly supportsTreeMask: boolean;
  private readonly tokenTexts = new Map<number, string>();
  private readonly hasPositionIds: boolean;
  private readonly hasLogitsToKeep: boolean;
  private readonly kvNames: string[];
  private readonly positionOffset: number;
  private TensorClass: OrtTensorClass;
  /** Write logits into a GPU buffer for WebGPU kernels instead of copying them to JavaScript. */
  private gpuLogits = false;
  private logitsBuffer?: GPUBuffer;
  private readonly logitsDType: 'float32' | 'float16';

  private constructor(
    readonly info: ModelInfo,
    private readonly model: LoadedModel,
    private readonly tokenizer: LoadedTokenizer,
    contract: ExportContract,
  ) {
    const session = model.sessions.model;
    this.hasPositionIds = session.inputNames.includes('position_ids');
    this.hasLogitsToKeep = session.inputNames.includes('num_logits_to_keep');
    this.kvNames = contract.kvNames;
    this.positionOffset = contract.positionOffset;
    this.supportsTreeMask = contract.treeMask;
    const meta = (session as { outputMetadata?: { name: string; type?: string }[] }).outputMetadata;
    this.logitsDType = meta?.find((m) => m.name === 'logits')?.type === 'float16' ? 'float16' : 'float32';
    // A Tensor class of the ORT copy transformers loaded (see ort-types.ts). In the browser it can
    // come from a second onnxruntime-common copy, which ORT accepts as input but not as a fetch:
    // `adoptSessionTensorClass` replaces it with the session's own class on WebGPU.
    this.TensorClass = (new Tensor('float32', new Float32Array(1), [1]) as unknown as { ort_tensor: OrtTensor }).ort_tensor
      .constructor as unknown as OrtTensorClass;
  }

  /** Loads a model; failures throw a ModelLoadError that says what happened and what to do. */
  static async load(opts: LoadOptions): Promise<ModelRunner> {
    try {
      return await ModelRunner.loadUnchecked(opts);
    } catch (err) {
      throw classifyLoadError(opts.model, err);
    }
  }

  private static async loadUnchecked(opts: LoadOptions): Promise<ModelRunner> {
    const progress_callback = opts.onProgress
      ? (p: { status: string; file?: string; loaded?: number; total?: number }) => {
          if (p.status === 'progress_total') return;
          opts.onProgress!({
            status: p.status as LoadProgress['status'],
            file: p.file ?? '',
            loaded: p.loaded ?? 0,
            total: p.total ?? 0,
          });
        }
      : undefined;
    // The config first: a hybrid (conv / SSM cache) architecture is refused before any weights download.
    const config = await AutoConfig.from_pretrained(opts.model, { progress_callback } as never);
    checkConfig(opts.model, config as unknown as Record<string, unknown>);
    const tokenizer = (await AutoTokenizer.from_pretrained(opts.model, { progress_callback } as never)) as unknown as LoadedTokenizer;
    const model = (await AutoModelForCausalLM.from_pretrained(opts.model, {
      config,
      device: opts.backend,
      dtype: opts.dtype,
      progress_callback,
    } as never)) as unknown as LoadedModel;
    const c = model.config;
    const gc = model.generation_config ?? {};
    let contract: ExportContract;
    try {
      contract = readContract(opts.model, c, model.sessions.model.inputMetadata ?? []);
    } catch (err) {
      await model.dispose();
      throw err;
    }
    if (opts.treeMask === false) contract.treeMask = false;
    const eos = [...new Set([...asIds(gc.eos_token_id), ...asIds(c.eos_token_id)])];
    const info: ModelInfo = {
      id: opts.model,
      backend: opts.backend,
      dtype: opts.dtype,
      vocabSize: Number(c.vocab_size),
      numLayers: Number(c.num_hidden_layers),
      kvHeads: contract.kvHeads,
      headDim: contract.headDim,
      kvDType: contract.kvDType,
      maxPositions: Number(c.max_position_embeddings ?? 2048),
      eosIds: eos,
      bosId: c.bos_token_id == null ? null : Number(c.bos_token_id),
      chatTemplate: Boolean(tokenizer.chat_template),
    };
    const runner = new ModelRunner(info, model, tokenizer, contract);
    if (opts.backend === 'webgpu') await runner.adoptSessionTensorClass();
    return runner;
  }

  encode(text: string): number[] {
    return Array.from(this.tokenizer.encode(text, { add_special_tokens: false }));
  }

  /**
   * The prompt as one user turn of the chat template, with the generation prompt appended (what
   * `apply_chat_template(..., { add_generation_prompt: true })` tokenizes). Template tokens are the
   * ids before and after those of the user's text; when the text does not tokenize apart from its
   * surroundings (no clean boundary), every id counts as the user's.
   */
  encodeChat(text: string): ChatPrompt {
    if (!this.info.chatTemplate) throw new Error(`${this.info.id} has no chat template`);
    const rendered = this.tokenizer.apply_chat_template([{ role: 'user', content: text }], { add_generation_prompt: true, tokenize: false });
    const ids = this.encode(rendered);
    const at = text ? rendered.indexOf(text) : -1;
    const template = ids.map(() => false);
    if (at >= 0) {
      const before = this.encode(rendered.slice(0, at));
      const after = this.encode(rendered.slice(at + text.length));
      const startsWith = before.every((id, i) => ids[i] === id);
      const endsWith = after.every((id, i) => ids[ids.length - after.length + i] === id);
      if (startsWith && endsWith && before.length + after.length <= ids.length) {
        for (let i = 0; i < before.length; i++) template[i] = true;
        for (let i = ids.length - after.length; i < ids.length; i++) template[i] = true;
      }
    } else if (!text) {
      template.fill(true);
    }
    return { ids, template };
  }

  decode(ids: number[]): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: true });
  }

  /** Display text of one token (cached: views ask for every top-k entry of every step). */
  tokenText(id: number): string {
    let t = this.tokenTexts.get(id);
    if (t === undefined) {
      t = this.tokenizer.decode([id], { skip_special_tokens: false });
      this.tokenTexts.set(id, t);
    }
    return t;
  }

  isEos(id: number): boolean {
    return this.info.eosIds.includes(id);
  }

  /** A fresh, empty sequence with `batch` rows. */
  newSequence(batch = 1): Sequence {
    const cache = new KvCache(this.kvNames, this.info.kvHeads, this.info.headDim, this.TensorClass, ortWebGpuDevice, batch, 0, this.info.kvDType);
    return new Sequence(cache, Array.from({ length: batch }, () => []));
  }

  /**
   * `forwardLogits` with the full logits rows in JavaScript, for the few readers that need whole
   * rows (Analyze, the kept-set chart, the recycling successor table, the CPU-only tree verifiers).
   * `bytesReadBack` is what came off the GPU (0 on WASM / CPU): callers count it. `parents` (one
   * row, `supportsTreeMask` only) makes the tokens a tree: see treeFeeds. The sequence then holds
   * every token of the tree; keep the accepted ones with `keepPositions`.
   */
  async readLogits(seq: Sequence, tokens: number[][], lastN?: number, parents?: readonly number[]): Promise<FullLogits> {
    const out = await this.timed(() => this.forwardToJs(seq, tokens, lastN, parents));
    this.fullLogitsReads++;
    return out;
  }

  /** Appends `tokens` and returns their logits in JavaScript, row-major [rows * keep, vocab]. */
  private async forwardToJs(seq: Sequence, tokens: number[][], lastN?: number, parents?: readonly number[]): Promise<FullLogits> {
    const { feeds, B, keep } = this.prepare(seq, tokens, lastN);
    if (parents) Object.assign(feeds, this.treeFeeds(seq.length, tokens, parents));
    const out = await this.model.sessions.model.run(feeds);
    this.forwards++;
    const logitsT = out.logits;
    const V = logitsT.dims[2];
    const Tout = logitsT.dims[1];
    // On WebGPU, ORT copied every position it computed to JavaScript.
    const bytesReadBack = this.info.backend === 'webgpu' ? B * Tout * V * (this.logitsDType === 'float16' ? 2 : 4) : 0;
    const all = toFloat32(logitsT);
    logitsT.dispose();
    seq.cache.update(out, B, seq.length + tokens[0].length);
    seq.append(tokens);
    // Keep only the last `keep` positions of each row.
    let logits = all;
    if (Tout !== keep) {
      logits = new Float32Array(B * keep * V);
      for (let b = 0; b < B; b++) logits.set(all.subarray((b * Tout + Tout - keep) * V, (b * Tout + Tout) * V), b * keep * V);
    }
    return { logits, rows: B * keep, vocab: V, bytesReadBack };
  }

  /**
   * Chooses where `forwardLogits` leaves the logits: on the GPU (WebGPU kernels read ORT's output
   * in place, and only the chosen ids and a top-k list come back) or in JavaScript.
   */
  useGpuLogits(enabled: boolean): void {
    this.gpuLogits = enabled && this.info.backend === 'webgpu' && ortWebGpuDevice() !== undefined;
  }

  /**
   * The one forward of the strategies: appends `tokens` (one equal-length list per row) to the
   * sequence and returns their logits as a kernels input, row-major [rows * keep, vocab], where
   * keep = T (all positions) or `lastN` (the last N of each row). On the GPU path they live in a
   * buffer this runner reuses, valid until its next forward: only what the kernels return (ids,
   * top-k lists, scalars) ever leaves the GPU. `parents`: a token tree, as in readLogits.
   */
  async forwardLogits(seq: Sequence, tokens: number[][], lastN?: number, parents?: readonly number[]): Promise<Logits> {
    if (!this.gpuLogits) {
      const out = await this.timed(() => this.forwardToJs(seq, tokens, lastN, parents));
      return { kind: 'cpu', rows: out.rows, vocab: out.vocab, data: out.logits };
    }
    return this.timed(() => this.runForwardGpu(seq, tokens, lastN, parents));
  }

  /** Whether `forwardLogits` leaves the logits on the GPU (only WebGPU kernels read them there). */
  get logitsOnGpu(): boolean {
    return this.gpuLogits;
  }

  private async runForwardGpu(seq: Sequence, tokens: number[][], lastN?: number, parents?: readonly number[]): Promise<Logits> {
    const { feeds, B, keep } = this.prepare(seq, tokens, lastN);
    if (parents) Object.assign(feeds, this.treeFeeds(seq.length, tokens, parents));
    const T = tokens[0].length;
    const Tout = this.hasLogitsToKeep ? keep : T;
    const V = this.info.vocabSize;
    const elem = this.logitsDType === 'float16' ? 2 : 4;
    const bytes = B * Tout * V * elem;
    const device = ortWebGpuDevice()!;
    const buffer = this.logitsBufferOf(device, bytes);
    const fetches: Record<string, OrtTensor | null> = {
      logits: this.TensorClass.fromGpuBuffer(buffer, { dataType: this.logitsDType, dims: [B, Tout, V] }),
    };
    // Fetches return only what they list: name every present.* to keep the KV cache.
    for (const name of this.kvNames) fetches[name.replace('past_key_values', 'present')] = null;
    const out = await this.model.sessions.model.run(feeds, fetches);
    this.forwards++;
    seq.cache.update(out, B, seq.length + T);
    seq.append(tokens);
    if (Tout === keep) return { kind: 'gpu', rows: B * keep, vocab: V, buffer, dtype: this.logitsDType };
    if (B === 1) return { kind: 'gpu', rows: keep, vocab: V, buffer, dtype: this.logitsDType, byteOffset: (Tout - keep) * V * elem };
    // Several rows without num_logits_to_keep: gather each row's last `keep` positions.
    const packed = device.createBuffer({ size: align16(B * keep * V * elem), usage: LOGITS_USAGE });
    const enc = device.createCommandEncoder();
    for (let b = 0; b < B; b++) enc.copyBufferToBuffer(buffer, (b * Tout + Tout - keep) * V * elem, packed, b * keep * V * elem, keep * V * elem);
    device.queue.submit([enc.finish()]);
    this.logitsBuffer?.destroy();
    this.logitsBuffer = packed; // reused (and freed) like the main buffer
    return { kind: 'gpu', rows: B * keep, vocab: V, buffer: packed, dtype: this.logitsDType };
  }

  private async timed<T>(forward: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await forward();
    } finally {
      this.forwardMs += performance.now() - t0;
    }
  }

  private logitsBufferOf(device: GPUDevice, bytes: number): GPUBuffer {
    const size = align16(bytes);
    if (!this.logitsBuffer || this.logitsBuffer.size < size) {
      this.logitsBuffer?.destroy();
      this.logitsBuffer = device.createBuffer({ size, usage: LOGITS_USAGE });
    }
    return this.logitsBuffer;
  }

  /**
   * Runs one throwaway token and keeps the class of its output tensor: the one class whose
   * instances ORT recognises in `fetches` (a foreign Tensor there is silently taken for run
   * options, and the logits never reach our buffer). Also compiles the shaders before the user waits.
   */
  private async adoptSessionTensorClass(): Promise<void> {
    const seq = this.newSequence();
    try {
      const { feeds } = this.prepare(seq, [[this.info.bosId ?? 0]], 1);
      const out = await this.model.sessions.model.run(feeds);
      this.TensorClass = out.logits.constructor as unknown as OrtTensorClass;
      for (const t of Object.values(out)) t.dispose();
    } finally {
      seq.dispose();
    }
  }

  /** Validates a forward's input and builds its feeds. */
  private prepare(seq: Sequence, tokens: number[][], lastN?: number): { feeds: Record<string, OrtTensor>; B: number; keep: number } {
    const B = tokens.length;
    const T = tokens[0]?.length ?? 0;
    if (B !== seq.rows) throw new RangeError(`forward got ${B} rows for a sequence of ${seq.rows}`);
    if (T === 0 || tokens.some((r) => r.length !== T)) throw new RangeError('forward needs equal, non-empty token rows');
    const past = seq.length;
    if (past + T > this.info.maxPositions) {
      throw new RangeError(`context full: ${past + T} tokens exceed the model's ${this.info.maxPositions} positions`);
    }
    const keep = Math.min(T, lastN ?? T);
    const ids = new BigInt64Array(B * T);
    const pos = new BigInt64Array(B * T);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = BigInt(tokens[b][t]);
        pos[b * T + t] = BigInt(this.positionOffset + past + t);
      }
    }
    const I = this.TensorClass;
    const feeds: Record<string, OrtTensor> = {
      input_ids: new I('int64', ids, [B, T]),
      attention_mask: new I('int64', new BigInt64Array(B * (past + T)).fill(1n), [B, past + T]),
      ...seq.cache.feeds(),
    };
    if (this.hasPositionIds) feeds.position_ids = new I('int64', pos, [B, T]);
    if (this.hasLogitsToKeep) feeds.num_logits_to_keep = new I('int64', new BigInt64Array([BigInt(keep)]), []);
    return { feeds, B, keep };
  }

  /** Attention mask and position ids of a token tree appended to the past (tree-mask.ts). */
  private treeFeeds(past: number, tokens: number[][], parents: readonly number[]): Record<string, OrtTensor> {
    if (!this.supportsTreeMask) throw new Error(`${this.info.id} has no tree attention mask`);
    if (tokens.length !== 1 || parents.length !== tokens[0].length) throw new RangeError('a token tree is one row with one parent per token');
    const { mask, positions } = treeMaskFeeds(past, parents, this.positionOffset);
    const I = this.TensorClass;
    return { attention_mask: new I('int64', mask, [1, mask.length]), position_ids: new I('int64', positions, [1, positions.length]) };
  }

  async dispose(): Promise<void> {
    this.logitsBuffer?.destroy();
    this.logitsBuffer = undefined;
    await this.model.dispose();
  }
}

/** Full logits rows in JavaScript, row-major [rows, vocab] (`readLogits`). */
export interface FullLogits {
  logits: Float32Array;
  rows: number;
  vocab: number;
  /** Bytes copied from the GPU to get them (0 when the model runs on WASM / CPU). */
  bytesReadBack: number;
}

const LOGITS_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */
const align16 = (n: number) => Math.max(16, Math.ceil(n / 16) * 16);
