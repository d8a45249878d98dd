/**
 * An engine session: the loaded models and kernels behind the worker and the CLI. It loads what a
 * configuration needs (reusing models already loaded), falls back from WebGPU to WASM when a
 * WebGPU load fails, and runs the decode driver.
 */
import { analyzeText, type Analysis } from './analyze.ts';
import type { Capabilities } from './capabilities.ts';
import type { DecodeConfig } from './config/params.ts';
import { STRATEGIES } from './config/strategies.ts';
import { encodePrompt, generate, type RunOptions } from './generate.ts';
import { nextTokenLogits } from './analysis/keptSet.ts';
import type { KernelsChoice } from './kernels/index.ts';
import type { Kernels } from './kernels/types.ts';
import { resolveBackend } from './model/choose.ts';
import { ModelRunner, type Backend, type DType, type LoadProgress } from './model/runner.ts';
import { modelKey } from './model-key.ts';
import type { TraceEvent } from './trace/types.ts';

export interface SessionEnv {
  caps: Capabilities;
  inNode: boolean;
  /** Kernels for a model backend (WebGPU kernels on webgpu where available, else CPU). */
  createKernels(backend: Backend): Promise<KernelsChoice>;
  /** Called before each model load (e.g. to allow remote downloads for hub ids only). */
  beforeLoad?(model: string): void;
}

export interface LoadedState {
  target: string;
  draft?: string;
  backend: Backend;
  dtype: DType;
  kernels: Kernels['backend'];
  vocabSize: number;
  /** The target's tokenizer has a chat template (config `chat` applies). */
  chatTemplate: boolean;
  /** What was changed from the request and why. */
  notes: string[];
}

export type ProgressFn = (model: string, p: LoadProgress) => void;

export class EngineSession {
  private target?: ModelRunner;
  private draft?: ModelRunner;
  private kernels?: Kernels;
  private loaded?: LoadedState;
  /** What the loaded state was asked for (it may differ from what it got, e.g. after a fallback). */
  private loadedKey?: string;

  constructor(private readonly env: SessionEnv) {}

  get state(): LoadedState | undefined {
    return this.loaded;
  }

  /** Loads the target (and the draft when the strategy needs one) unless already loaded. */
  async ensureLoaded(config: DecodeConfig, onProgress?: ProgressFn): Promise<LoadedState> {
    const wantDraft = STRATEGIES[config.strategy].needsDraft ? config.draft : undefined;
    const resolved = resolveBackend(config, this.env.caps, this.env.inNode);
    const key = modelKey({ ...config, backend: resolved.backend, dtype: resolved.dtype });
    if (this.loaded && this.loadedKey === key) return this.loaded;
    await this.unload();
    const notes = [...resolved.notes];
    let backend = resolved.backend;
    let target: ModelRunner;
    try {
      target = await this.loadOne(config.model, backend, resolved.dtype, onProgress);
    } catch (err) {
      if (backend !== 'webgpu') throw err;
      notes.push(`WebGPU load failed (${err instanceof Error ? err.message : String(err)}); fell back to WASM`);
      backend = 'wasm';
      target = await this.loadOne(config.model, backend, resolved.dtype, onProgress);
    }
    this.target = target;
    if (wantDraft) {
      this.draft = await this.loadOne(wantDraft, backend, resolved.dtype, onProgress);
      if (this.draft.info.vocabSize !== target.info.vocabSize) {
        notes.push(`draft ${wantDraft} has a different vocabulary (${this.draft.info.vocabSize} vs ${target.info.vocabSize}); speculative decoding needs one shared tokenizer`);
      }
    }
    const choice = await this.env.createKernels(backend);
    if (choice.fallbackReason) notes.push(choice.fallbackReason);
    this.kernels = choice.kernels;
    // WebGPU kernels read the logits where ORT wrote them; CPU kernels need them in JavaScript.
    const onGpu = choice.backend === 'webgpu';
    target.useGpuLogits(onGpu);
    this.draft?.useGpuLogits(onGpu);
    this.loaded = {
      target: config.model,
      draft: wantDraft,
      backend,
      dtype: resolved.dtype,
      kernels: this.kernels.backend,
      vocabSize: target.info.vocabSize,
      chatTemplate: target.info.chatTemplate,
      notes,
    };
    this.loadedKey = key;
    return this.loaded;
  }

  /** Runs one decode; loads first if needed. */
  async *run(config: DecodeConfig, opts: RunOptions & { onProgress?: ProgressFn } = {}): AsyncGenerator<TraceEvent, void, void> {
    await this.ensureLoaded(config, opts.onProgress);
    yield* generate(config, { target: this.target!, draft: this.draft, kernels: this.kernels! }, opts);
  }

  /** Scores a text under the configuration's model (Analyze mode). */
  async analyze(config: DecodeConfig, text: string, onProgress?: ProgressFn): Promise<Analysis> {
    await this.ensureLoaded(config, onProgress);
    return analyzeText(this.target!, this.kernels!, text);
  }

  /**
   * The target's raw logits for the token after the prompt and `emitted` (a step of a finished
   * run, recomputed by one forward pass), with the prompt's length in tokens.
   */
  async stepLogits(config: DecodeConfig, emitted: readonly number[], onProgress?: ProgressFn): Promise<{ logits: Float32Array; promptTokens: number }> {
    await this.ensureLoaded(config, onProgress);
    const prompt = encodePrompt(this.target!, config).ids;
    return { logits: await nextTokenLogits(this.target!, [...prompt, ...emitted]), promptTokens: prompt.length };
  }

  async unload(): Promise<void> {
    this.kernels?.destroy();
    await this.target?.dispose();
    await this.draft?.dispose();
    this.target = this.draft = this.kernels = this.loaded = this.loadedKey = undefined;
  }

  private loadOne(model: string, backend: Backend, dtype: DType, onProgress?: ProgressFn): Promise<ModelRunner> {
    this.env.beforeLoad?.(model);
    return ModelRunner.load({ model, backend, dtype, onProgress: onProgress && ((p) => onProgress(model, p)) });
  }
}
