/**
 * The slice of ONNX Runtime's Tensor / InferenceSession API the runner uses. Typed structurally
 * because the engine must use whichever ORT copy transformers.js loaded (onnxruntime-web in the
 * browser, onnxruntime-node in Node): tensors from another copy are silently not recognised.
 */

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  readonly location: string;
  readonly gpuBuffer?: GPUBuffer;
  dispose(): void;
}

export interface OrtTensorClass {
  new (type: string, data: unknown, dims: readonly number[]): OrtTensor;
  fromGpuBuffer(buffer: GPUBuffer, options: { dataType: string; dims: readonly number[] }): OrtTensor;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Declared inputs (name, element type, dims: numbers or symbolic names). */
  readonly inputMetadata?: readonly InputMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches?: Record<string, OrtTensor | null>): Promise<Record<string, OrtTensor>>;
}

export interface InputMetadata {
  name: string;
  type?: string;
  shape?: readonly (number | string)[];
}

/** Element type of the KV cache tensors (fp16 in q4f16 / fp16 exports). */
export type KvDType = 'float32' | 'float16';

/** What transformers.js `AutoModelForCausalLM.from_pretrained` gives us (the parts we use). */
export interface LoadedModel {
  sessions: { model: OrtSession };
  config: Record<string, unknown>;
  generation_config?: Record<string, unknown>;
  dispose(): Promise<unknown>;
}

/** What transformers.js `AutoTokenizer.from_pretrained` gives us (the parts we use). */
export interface LoadedTokenizer {
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], opts?: { skip_special_tokens?: boolean }): string;
  chat_template: unknown;
  apply_chat_template(messages: { role: string; content: string }[], opts: { add_generation_prompt: boolean; tokenize: false }): string;
}
