// Logits input as f16 (fp16 / q4f16 models) read as packed u32 pairs, so it works on adapters
// without `shader-f16` (SwiftShader, many integrated GPUs): element idx is half idx & 1 of word
// idx >> 1. unpack2x16float widens exactly, +-inf and NaN included.
@group(0) @binding(0) var<storage, read> logits: array<u32>;

fn load_logit(idx: u32) -> f32 {
  let w = unpack2x16float(logits[idx >> 1u]);
  return select(w.x, w.y, (idx & 1u) == 1u);
}
