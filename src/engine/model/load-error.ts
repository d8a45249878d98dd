/**
 * A model that failed to load, classified so the page can say what happened and what to do
 * (transformers.js and ORT errors are long and rarely say either).
 */
export type LoadErrorKind = 'not-found' | 'network' | 'out-of-memory' | 'unsupported' | 'architecture' | 'other';

const HINTS: Record<LoadErrorKind, string> = {
  'not-found': 'Check the model id (owner/name on the Hugging Face hub, or an embedded playground/ model) and the chosen weights (dtype): not every model ships every quantization.',
  network: 'The download failed: check the connection (offline, only the embedded models work), then retry.',
  'out-of-memory': 'The model does not fit in memory here: pick a smaller model or a smaller dtype (q4/q8), or close other tabs.',
  unsupported: 'This model or dtype is not supported on this backend: try WASM, or fp32/q8 weights.',
  architecture: 'Pick another model: the catalog lists models this app runs.',
  other: 'Try reloading the page; if it persists, try the WASM backend.',
};

export class ModelLoadError extends Error {
  constructor(
    readonly model: string,
    readonly kind: LoadErrorKind,
    readonly detail: string,
  ) {
    super(`could not load ${model}: ${detail}. ${HINTS[kind]}`);
    this.name = 'ModelLoadError';
  }

  get hint(): string {
    return HINTS[this.kind];
  }
}

export function classifyLoadError(model: string, err: unknown): ModelLoadError {
  if (err instanceof ModelLoadError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const m = msg.toLowerCase();
  let kind: LoadErrorKind = 'other';
  const first = msg.split('\n')[0].slice(0, 300);
  let detail = first;
  if (/could not locate file|404|not found|tokenizer_class|unauthorized|401/.test(m)) {
    kind = 'not-found';
    detail = `model files not found (${first})`;
  } else if (/failed to fetch|networkerror|network error|fetch failed|econnrefused|enotfound|load failed/.test(m)) {
    kind = 'network';
    detail = `download failed (${first})`;
  } else if (/out of memory|oom|allocation failed|array buffer allocation|rangeerror: invalid array length/.test(m)) {
    kind = 'out-of-memory';
    detail = `out of memory (${first})`;
  } else if (/not supported|unsupported|requires f16|no available backend/.test(m)) {
    kind = 'unsupported';
  }
  return new ModelLoadError(model, kind, detail);
}
