/**
 * Models the app knows by name: the embedded pair shipped in public/models (work offline) and a
 * catalog of small hub models for online use. `tokenizerFamily` marks which can pair as
 * target/draft for speculative decoding (they must share one tokenizer).
 */
export interface CatalogEntry {
  id: string;
  label: string;
  embedded: boolean;
  /** Approximate download in MB for the dtype the app picks by default. */
  sizeMB: number;
  tokenizerFamily: string;
  role: 'target' | 'draft' | 'either';
  note: string;
}

export const EMBEDDED_PREFIX = 'playground/';

export const CATALOG: readonly CatalogEntry[] = [
  { id: 'playground/brown-target-v1', label: 'Brown target (embedded)', embedded: true, sizeMB: 30, tokenizerFamily: 'playground-brown', role: 'target', note: 'Trained on the Brown corpus; ships with the app.' },
  { id: 'playground/brown-draft-v1', label: 'Brown draft (embedded)', embedded: true, sizeMB: 4, tokenizerFamily: 'playground-brown', role: 'draft', note: 'Small draft model sharing the target tokenizer.' },
  { id: 'HuggingFaceTB/SmolLM2-135M-Instruct', label: 'SmolLM2 135M Instruct', embedded: false, sizeMB: 140, tokenizerFamily: 'smollm2', role: 'either', note: 'Drafts for SmolLM2 360M.' },
  { id: 'HuggingFaceTB/SmolLM2-360M-Instruct', label: 'SmolLM2 360M Instruct', embedded: false, sizeMB: 370, tokenizerFamily: 'smollm2', role: 'target', note: '' },
  { id: 'onnx-community/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5 0.5B Instruct', embedded: false, sizeMB: 480, tokenizerFamily: 'qwen2.5', role: 'target', note: '' },
  { id: 'onnx-community/gemma-3-270m-it-ONNX', label: 'Gemma 3 270M', embedded: false, sizeMB: 280, tokenizerFamily: 'gemma3', role: 'either', note: 'Drafts for Gemma 3 1B.' },
  { id: 'onnx-community/gemma-3-1b-it-ONNX', label: 'Gemma 3 1B', embedded: false, sizeMB: 1000, tokenizerFamily: 'gemma3', role: 'target', note: '' },
];

export function isEmbeddedModel(id: string): boolean {
  return id.startsWith(EMBEDDED_PREFIX);
}

export function catalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((m) => m.id === id);
}
