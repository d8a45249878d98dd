// Logits input as f32 (fp32 / q8 / q4 models, and logits uploaded from JavaScript).
@group(0) @binding(0) var<storage, read> logits: array<f32>;

fn load_logit(idx: u32) -> f32 {
  return logits[idx];
}
