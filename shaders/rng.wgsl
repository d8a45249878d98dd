// Counter-based RNG, bit-identical to src/engine/rng.ts: a draw is a pure function of
// (seed, step, purpose, index), so CPU and GPU agree and no draw depends on earlier ones.

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn hash_key(seed: u32, step: u32, purpose: u32, index: u32) -> u32 {
  var h = pcg(seed);
  h = pcg(h ^ step);
  h = pcg(h ^ purpose);
  return pcg(h ^ index);
}

// Open interval (0, 1): (23 random bits + 0.5) / 2^23, exact in f32.
fn rng_uniform(seed: u32, step: u32, purpose: u32, index: u32) -> f32 {
  return (f32(hash_key(seed, step, purpose, index) >> 9u) + 0.5) / 8388608.0;
}

fn rng_gumbel(seed: u32, step: u32, purpose: u32, index: u32) -> f32 {
  return -log(-log(rng_uniform(seed, step, purpose, index)));
}
