/** The runner's public shapes: what a load asks for and reports, and what a loaded model is. */
import type { KvDType } from './ort-types.ts';

export type Backend = 'webgpu' | 'wasm' | 'cpu';
export type DType = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

export interface LoadProgress {
  /** File being loaded, or '' for the overall figure. */
  file: string;
  loaded: number;
  total: number;
  status: 'initiate' | 'download' | 'progress' | 'done' | 'ready';
}

export interface LoadOptions {
  model: string;
  backend: Backend;
  dtype: DType;
  onProgress?: (p: LoadProgress) => void;
  /** false: ignore the export's tree mask, so trees are verified as batched paths (comparisons, benchmarks). */
  treeMask?: boolean;
}

export interface ModelInfo {
  id: string;
  backend: Backend;
  dtype: DType;
  vocabSize: number;
  numLayers: number;
  kvHeads: number;
  headDim: number;
  /** Element type of the KV cache (float16 in q4f16 / fp16 exports). */
  kvDType: KvDType;
  maxPositions: number;
  eosIds: number[];
  bosId: number | null;
  /** The tokenizer has a chat template (tokenizer_config.json `chat_template`). */
  chatTemplate: boolean;
}

/** Prompt ids with, per id, whether the chat template (not the user's text) produced it. */
export interface ChatPrompt {
  ids: number[];
  template: boolean[];
}
