// Shared declarations and workgroup helpers for the decoding kernels (stats, process, sample,
// verify). Prepended after rng.wgsl and before select.wgsl, one logits-*.wgsl variant and one
// kernel file.
//
// Design (why it looks like this):
// - One workgroup per row. Every reduction is a fixed-shape tree in workgroup memory, so results
//   are deterministic run to run (no float atomics, whose order would vary) and a row never waits
//   on another workgroup. Rows of a batch run in parallel workgroups.
// - Removed tokens hold SENTINEL (-FLT_MAX), not -inf: WGSL implementations may assume no
//   infinities, so we never rely on inf arithmetic; every "is it a candidate" test is a compare
//   with the sentinel, and NaN/inf inputs are detected on the raw bits.
// - Thresholds (top-k, top-p, typical-p, display top-k) come from a radix select on order-preserving
//   u32 keys: counts use 8-bit digits and a workgroup atomic histogram (4 passes); probability
//   mass uses 4-bit digits with per-invocation float bins reduced in a fixed tree (8 passes), so
//   mass sums stay deterministic. No sort of the vocabulary anywhere.
// - Barriers are kept few (two-level 16 x 16 reductions, one broadcast per select level): they are
//   cheap on GPUs but dominate on software adapters (SwiftShader in headless Chromium and CI).
// - Each select/mask routine has one call site per kernel (process runs its stages as a loop), so
//   shader compilers that inline everything (SwiftShader) compile one copy, not one per stage.

// Invocations per workgroup and the fan-in of the two-level reductions (RG * RG == WG). Set per
// device by the host: 256 / 16 on GPUs; 64 / 8 on software adapters (SwiftShader), where every
// barrier costs a context switch per SIMD group and fewer invocations per row run faster.
override WG: u32 = 256u;
override RG: u32 = 16u;
const MAX_WG: u32 = 256u;
const SENTINEL: f32 = -3.40282346638528859812e+38f;
// Finite logits are clamped above the sentinel so a real token can never be mistaken for a removed one.
const FLOOR: f32 = -1.0e38f;
const CEIL: f32 = 1.0e38f;
const MAX_TOPK: u32 = 64u; // MAX_TOP_K in src/engine/kernels/limits.ts

// Generated before this file (src/engine/kernels/webgpu/wgsl-prelude.ts): the out header word
// offsets H_* (per row; floats stored as bitcast u32), the row flags F_*, MAX_STAGES, one stage
// code ST_<STAGE> per logits processor and the RowParams struct (per-row settings).

struct Dims {
  vocab: u32,
  rows: u32,
  topk: u32,
  stride: u32, // u32 words per row in `outw`
  in_offset: u32, // element offset of row 0 in `logits`
  k_draft: u32,
  vflags: u32, // verify: bit0 uniforms given in aux, bit1 greedy, bit2 without replacement, bit3 deterministic (VFLAG in params.ts)
  res_off: u32, // verify: word offset of the result block in `outw`
  seed: u32,
  step: u32,
  p_accept: u32,
  p_residual: u32,
  p_bonus: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

// Bindings (group 0): each kernel's layout holds the ones its entry point uses (KERNEL_BINDINGS in
// src/engine/kernels/webgpu/pipelines.ts). Binding 0 (`logits`, the target logits) and `load_logit`
// come from logits-f32.wgsl or logits-f16.wgsl; binding 8 (`draft_q`) from verify.wgsl.
@group(0) @binding(1) var<uniform> dims: Dims;
@group(0) @binding(2) var<storage, read> params: array<RowParams>;
@group(0) @binding(3) var<storage, read> aux: array<u32>;
@group(0) @binding(4) var<storage, read_write> xbuf: array<f32>;
@group(0) @binding(5) var<storage, read_write> outw: array<u32>;
@group(0) @binding(6) var<storage, read_write> auxf: array<f32>;
// Candidate list per row (ascending ids), built by the process kernel once truncation has left
// few candidates, so that later stages visit those instead of the whole vocabulary.
@group(0) @binding(7) var<storage, read_write> clist: array<u32>;

var<workgroup> red_a: array<f32, MAX_WG>;
var<workgroup> red_b: array<f32, MAX_WG>;
var<workgroup> red_i: array<u32, MAX_WG>;
var<workgroup> part: array<f32, 2048>;
var<workgroup> part2: array<f32, 256>;
var<workgroup> bins: array<f32, 16>;
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> part_i: array<u32, MAX_WG>;
var<workgroup> sh4: vec4<u32>;
var<workgroup> tk_count: atomic<u32>;
var<workgroup> tk_id: array<u32, MAX_TOPK>;
var<workgroup> tk_val: array<f32, MAX_TOPK>;
var<workgroup> tk_sorted_id: array<u32, MAX_TOPK>;
var<workgroup> tk_sorted_val: array<f32, MAX_TOPK>;

// Per-invocation copies of row state. Values written from uniform results only, so every
// invocation holds the same numbers.
var<private> g_row_base: u32; // row start in xbuf
var<private> g_in_base: u32; // row start in logits (elements)
var<private> g_aux_base: u32; // row start in auxf
var<private> g_pinf: bool; // row has +inf logits (limit distribution)
var<private> g_degen: bool; // row has no finite logit (treated as uniform)
var<private> g_src: u32; // 0 = xbuf, 1 = raw logits, 2 = auxf probabilities
var<private> g_m: f32; // max of the current source's candidates
var<private> g_z: f32; // sum exp(v - g_m) over candidates
var<private> g_h: f32; // entropy of the current distribution (typical-p)
var<private> g_tie_key: u32; // tie restriction for MODE_TIE_*
var<private> g_list_len: u32; // > 0: loops over xbuf visit clist[0..len) instead of 0..n

const NO_CUT: u32 = 0xffffffffu;

fn f2u(v: f32) -> u32 { return bitcast<u32>(v); }
fn u2f(v: u32) -> f32 { return bitcast<f32>(v); }

// Order-preserving map f32 -> u32 (larger float -> larger key), the usual radix-sort trick.
fn fkey(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn is_nan_bits(b: u32) -> bool { return (b & 0x7fffffffu) > 0x7f800000u; }
fn is_inf_bits(b: u32) -> bool { return (b & 0x7fffffffu) == 0x7f800000u; }
fn is_pinf_bits(b: u32) -> bool { return b == 0x7f800000u; }

// Shared sanitation rules (types.ts): NaN -> removed; any +inf -> +inf entries 0, others removed;
// no finite logit -> uniform (all 0).
fn raw_value(i: u32) -> f32 {
  if (g_degen) { return 0.0; }
  let v = load_logit(g_in_base + i);
  let b = bitcast<u32>(v);
  if (g_pinf) { return select(SENTINEL, 0.0, is_pinf_bits(b)); }
  if (is_nan_bits(b) || is_inf_bits(b)) { return SENTINEL; }
  return clamp(v, FLOOR, CEIL);
}

// Loops over a row's tokens: the whole vocabulary, or the candidate list once it exists.
fn iter_len(n: u32) -> u32 { return select(n, g_list_len, g_list_len > 0u); }
fn iter_index(j: u32) -> u32 { return select(j, clist[g_row_base + j], g_list_len > 0u); }

// Value of token i in the current source; SENTINEL = not a candidate.
fn src_value(i: u32) -> f32 {
  if (g_src == 0u) { return xbuf[g_row_base + i]; }
  if (g_src == 1u) { return raw_value(i); }
  let p = auxf[g_aux_base + i];
  return select(SENTINEL, p, p > 0.0);
}

// ---- workgroup reductions (every invocation must call them: they contain barriers) ----
// Two-level fixed tree: RG invocations sum RG values each, invocation 0 sums the RG partials and
// broadcasts. Deterministic order; 3 barriers instead of the 9 of a binary tree. The next use of
// the scratch arrays always comes after a barrier that follows the last read, so no trailing one.

fn wg_sum2(lid: u32, a: f32, b: f32) -> vec2<f32> {
  red_a[lid] = a;
  red_b[lid] = b;
  workgroupBarrier();
  if (lid < RG) {
    var s = 0.0;
    var t = 0.0;
    for (var j = 0u; j < RG; j++) {
      s += red_a[lid * RG + j];
      t += red_b[lid * RG + j];
    }
    part2[lid] = s;
    part2[RG + lid] = t;
  }
  workgroupBarrier();
  if (lid == 0u) {
    var s = 0.0;
    var t = 0.0;
    for (var j = 0u; j < RG; j++) {
      s += part2[j];
      t += part2[RG + j];
    }
    sh4 = vec4<u32>(f2u(s), f2u(t), 0u, 0u);
  }
  let r = workgroupUniformLoad(&sh4);
  return vec2<f32>(u2f(r.x), u2f(r.y));
}

fn wg_sum(lid: u32, a: f32) -> f32 { return wg_sum2(lid, a, 0.0).x; }

// (max, sum exp(v - max)) pairs merged without overflow: the online-softmax combine.
fn merge_norm(m1: f32, s1: f32, m2: f32, s2: f32) -> vec2<f32> {
  let m = max(m1, m2);
  return vec2<f32>(m, s1 * exp(m1 - m) + s2 * exp(m2 - m));
}

// Returns (max, sum exp(v - max), count) of per-invocation partials.
fn wg_norm(lid: u32, m: f32, s: f32, c: f32) -> vec3<f32> {
  red_a[lid] = m;
  red_b[lid] = s;
  red_i[lid] = u32(c);
  workgroupBarrier();
  if (lid < RG) {
    var acc = vec2<f32>(SENTINEL, 0.0);
    var cc = 0u;
    for (var j = 0u; j < RG; j++) {
      acc = merge_norm(acc.x, acc.y, red_a[lid * RG + j], red_b[lid * RG + j]);
      cc += red_i[lid * RG + j];
    }
    part2[lid] = acc.x;
    part2[RG + lid] = acc.y;
    part2[2u * RG + lid] = f32(cc);
  }
  workgroupBarrier();
  if (lid == 0u) {
    var acc = vec2<f32>(SENTINEL, 0.0);
    var cc = 0.0;
    for (var j = 0u; j < RG; j++) {
      acc = merge_norm(acc.x, acc.y, part2[j], part2[RG + j]);
      cc += part2[2u * RG + j];
    }
    sh4 = vec4<u32>(f2u(acc.x), f2u(acc.y), f2u(cc), 0u);
  }
  let r = workgroupUniformLoad(&sh4);
  return vec3<f32>(u2f(r.x), u2f(r.y), u2f(r.z));
}

// Argmax with ties to the lowest index; idx NO_CUT = "no candidate" and always loses.
fn better(vb: f32, ib: u32, va: f32, ia: u32) -> bool {
  if (ib == NO_CUT) { return false; }
  return ia == NO_CUT || vb > va || (vb == va && ib < ia);
}

fn wg_argmax(lid: u32, v: f32, idx: u32) -> u32 {
  red_a[lid] = v;
  red_i[lid] = idx;
  workgroupBarrier();
  if (lid < RG) {
    var bv = SENTINEL;
    var bi = NO_CUT;
    for (var j = 0u; j < RG; j++) {
      let vj = red_a[lid * RG + j];
      let ij = red_i[lid * RG + j];
      if (better(vj, ij, bv, bi)) {
        bv = vj;
        bi = ij;
      }
    }
    part2[lid] = bv;
    part_i[lid] = bi;
  }
  workgroupBarrier();
  if (lid == 0u) {
    var bv = SENTINEL;
    var bi = NO_CUT;
    for (var j = 0u; j < RG; j++) {
      let vj = part2[j];
      let ij = part_i[j];
      if (better(vj, ij, bv, bi)) {
        bv = vj;
        bi = ij;
      }
    }
    sh4 = vec4<u32>(bi, 0u, 0u, 0u);
  }
  return workgroupUniformLoad(&sh4).x;
}

// Max and softmax normalizer of the current source's candidates -> g_m, g_z; returns the count.
// One pass (online softmax): per invocation a running (max, sum), rescaled when the max grows.
fn norm_src(lid: u32, n: u32) -> f32 {
  var m = SENTINEL;
  var s = 0.0;
  var c = 0.0;
  for (var j = lid; j < iter_len(n); j += WG) {
    let i = iter_index(j);
    let v = src_value(i);
    if (v != SENTINEL) {
      if (v > m) {
        s = s * exp(m - v) + 1.0;
        m = v;
      } else {
        s += exp(v - m);
      }
      c += 1.0;
    }
  }
  let r = wg_norm(lid, m, s, c);
  g_m = r.x;
  g_z = r.y;
  return r.z;
}

// Entropy -sum p ln p (nats) of softmax over the current source, using g_m / g_z.
fn entropy_src(lid: u32, n: u32) -> f32 {
  let lnz = log(g_z);
  var h = 0.0;
  for (var j = lid; j < iter_len(n); j += WG) {
    let i = iter_index(j);
    let v = src_value(i);
    if (v != SENTINEL) {
      let lp = v - g_m - lnz;
      let p = exp(lp);
      if (p > 0.0) { h -= p * lp; }
    }
  }
  return wg_sum(lid, h);
}
