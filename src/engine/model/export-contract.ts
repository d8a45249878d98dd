/**
 * What the runner needs to know about an ONNX decoder export, read from its config and its
 * session's declared inputs rather than assumed: the KV input names, their element type (fp16 in
 * q4f16 / fp16 exports), head count and head size (Gemma's head_dim is not hidden / heads), and the
 * position-id convention. Exports whose cache is not plain attention KV (conv / SSM states of
 * hybrid models) or that have no cache inputs at all are refused here, at load, with a message
 * that says what is supported.
 */
import { ModelLoadError } from './load-error.ts';
import type { InputMetadata, KvDType } from './ort-types.ts';

export interface ExportContract {
  kvNames: string[];
  kvDType: KvDType;
  kvHeads: number;
  headDim: number;
  /**
   * First position id of a sequence. transformers.js numbers Gemma 3 (and PaliGemma) positions from
   * 1 (`decoder_forward` in its modeling_utils.js) and the runner does the same, so it feeds the
   * graph exactly what `generate()` feeds. (Rotary attention depends only on position differences,
   * so the shift changes rounding, not the model; an export with absolute positions would differ.)
   */
  positionOffset: number;
  /**
   * The export reads a draft tree from `attention_mask` (config.json `"tree_attention_mask":
   * "subtree_end"`, our embedded models, see tools/tree-mask/add-tree-mask.ts): values n >= 2 let
   * a key be seen only from sequence indices <= n - 2, so a tree in depth-first order is verified
   * in one pass. Other exports treat any value > 0 as 1.
   */
  treeMask: boolean;
}

export const SUPPORTED =
  'Supported: decoder-only exports with a plain attention KV cache (past_key_values.N.key/value inputs), e.g. llama, qwen2, gemma3_text, as exported by Optimum / onnx-community';

/** Model types whose cache holds convolution or state-space states, not (only) attention KV. */
const HYBRID_TYPES = new Set(['lfm2', 'lfm2_moe', 'granitemoehybrid', 'mamba', 'mamba2', 'falcon_h1', 'nemotron_h', 'qwen3_next', 'jamba', 'zamba2']);
const ONE_BASED_POSITIONS = new Set(['gemma3_text', 'gemma3', 'paligemma']);
const KV_NAME = /^past_key_values\.\d+\.(key|value)$/;

/** Checks the config before any weights are downloaded. */
export function checkConfig(model: string, config: Record<string, unknown>): void {
  const type = String(config.model_type ?? '');
  const layerTypes = (config.layer_types ?? config.layers_block_type) as unknown;
  const nonAttention = Array.isArray(layerTypes)
    ? [...new Set(layerTypes.map(String).filter((t) => !/attention$/.test(t)))]
    : [];
  if (HYBRID_TYPES.has(type) || nonAttention.length) {
    const what = nonAttention.length ? `layers of type ${nonAttention.join(', ')}` : `model_type "${type}"`;
    throw new ModelLoadError(model, 'architecture', `${what} keeps convolution / state-space states rather than a plain KV cache, which this app cannot roll back or batch. ${SUPPORTED}`);
  }
}

/** Reads the contract from the loaded session; throws when the export is not one the runner can drive. */
export function readContract(model: string, config: Record<string, unknown>, inputs: readonly InputMetadata[]): ExportContract {
  const names = inputs.map((i) => i.name);
  const foreignState = names.filter((n) => /^past_/.test(n) && !KV_NAME.test(n));
  if (foreignState.length) {
    throw new ModelLoadError(model, 'architecture', `the export has cache inputs ${foreignState.slice(0, 3).join(', ')} (not attention KV). ${SUPPORTED}`);
  }
  const kv = inputs.filter((i) => KV_NAME.test(i.name));
  if (!kv.length) {
    throw new ModelLoadError(model, 'architecture', `the export has no past_key_values inputs (exported without a KV cache: every token would recompute the whole text). ${SUPPORTED}`);
  }
  for (const need of ['input_ids', 'attention_mask']) {
    if (!names.includes(need)) throw new ModelLoadError(model, 'architecture', `the export has no ${need} input. ${SUPPORTED}`);
  }
  const heads = Number(config.num_attention_heads);
  const shape = kv[0].shape ?? [];
  const staticDim = (i: number) => (typeof shape[i] === 'number' ? (shape[i] as number) : undefined);
  const kvHeads = staticDim(1) ?? Number(config.num_key_value_heads ?? heads);
  const headDim = staticDim(3) ?? Number(config.head_dim ?? Number(config.hidden_size) / heads);
  const types = new Set(kv.map((i) => i.type ?? 'float32'));
  if (types.size > 1 || ![...types].every((t) => t === 'float32' || t === 'float16')) {
    throw new ModelLoadError(model, 'unsupported', `KV cache element types ${[...types].join(', ')} (float32 or float16 expected)`);
  }
  return {
    kvNames: kv.map((i) => i.name),
    kvDType: [...types][0] as KvDType,
    kvHeads,
    headDim,
    positionOffset: ONE_BASED_POSITIONS.has(String(config.model_type)) ? 1 : 0,
    treeMask: config.tree_attention_mask === 'subtree_end' && names.includes('position_ids'),
  };
}
