// Shared declarations and workgroup helpers for the decoding kernels (stats, process, sample,
// verify). Prepended after rng.wgsl and before one logits-*.wgsl variant and one kernel file.
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

// Out header word offsets (per row; floats are stored as bitcast u32). Mirrored in layout.ts.
const H_TOKEN: u32 = 0u;
const H_PROC_PROB: u32 = 1u;
const H_RAW_RANK: u32 = 2u;
const H_RAW_PROB: u32 = 3u;
const H_RAW_LOGPROB: u32 = 4u;
const H_ENTROPY: u32 = 5u;
const H_VARENTROPY: u32 = 6u;
const H_TEMPERATURE: u32 = 7u;
const H_DEGENERATE: u32 = 8u;
const H_RAW_M: u32 = 9u;
const H_RAW_LNZ: u32 = 10u;
const H_PROC_M: u32 = 11u;
const H_PROC_LNZ: u32 = 12u;
const H_PROC_COUNT: u32 = 13u;
const H_PINF: u32 = 14u;
const H_RAW_TOP_N: u32 = 15u;
const H_PROC_TOP_N: u32 = 16u;
const H_KEPT: u32 = 24u;
const H_REMOVED: u32 = 32u;
const H_SIZE: u32 = 40u;

// Row flags (RowParams.flags): which stages are active, and how to choose.
const F_REP: u32 = 1u;
const F_TEMP: u32 = 2u;
const F_TOPK: u32 = 4u;
const F_TOPP: u32 = 8u;
const F_MINP: u32 = 16u;
const F_TYPICAL: u32 = 32u;
const F_EPS: u32 = 64u;
const F_ETA: u32 = 128u;
const F_DYNATEMP: u32 = 256u;
const F_CHOOSE_GREEDY: u32 = 512u;
const F_CHOOSE_NONE: u32 = 1024u;
// 'force': describe a given token (RowParams.purpose then holds its id; nothing is sampled).
const F_CHOOSE_FORCE: u32 = 2048u;

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

struct RowParams {
  temperature: f32,
  top_p: f32,
  min_p: f32,
  typical_p: f32,
  eps: f32,
  eta: f32,
  rep_penalty: f32,
  dyn_range: f32,
  dyn_exp: f32,
  top_k: u32,
  ctx_off: u32,
  ctx_len: u32,
  seed: u32,
  step: u32,
  purpose: u32,
  flags: u32,
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

const MODE_NONE: u32 = 99u;
const MODE_COUNT: u32 = 0u;
const MODE_MASS: u32 = 1u;
const MODE_TYPICAL: u32 = 2u;
const MODE_TIE_COUNT: u32 = 3u;
const MODE_TIE_MASS: u32 = 4u;
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

// Typical-p order: distance |-ln p - H| from the entropy; smaller distance = more typical = larger
// key. One function for the select and the mask, so both see bit-identical keys.
fn typical_key(v: f32) -> u32 {
  let lp = v - g_m - log(g_z);
  return fkey(-abs(-lp - g_h));
}

// (key, weight bits) of token i for a radix-select mode; weight 0 = not counted.
fn key_weight(mode: u32, i: u32) -> vec2<u32> {
  let v = src_value(i);
  let cand = v != SENTINEL;
  if (mode == MODE_COUNT) {
    return vec2<u32>(fkey(v), f2u(select(0.0, 1.0, cand)));
  }
  if (mode == MODE_MASS) {
    return vec2<u32>(fkey(v), f2u(select(0.0, exp(v - g_m) / g_z, cand)));
  }
  if (mode == MODE_TYPICAL) {
    if (!cand) { return vec2<u32>(0u, 0u); }
    return vec2<u32>(typical_key(v), f2u(exp(v - g_m) / g_z));
  }
  // Ties of one value, ordered by ascending id (= descending ~id).
  if (!cand || fkey(v) != g_tie_key) { return vec2<u32>(0u, 0u); }
  if (mode == MODE_TIE_COUNT) { return vec2<u32>(~i, f2u(1.0)); }
  return vec2<u32>(~i, f2u(exp(v - g_m) / g_z));
}

// Radix select, count weights: a key T with C(key >= T) == the smallest count >= goal, i.e. the
// k-th largest key, or (early exit) a bin prefix that no key between the k-th and the next lower
// key can fall under. 8-bit digits and a 256-bin atomic histogram: integer counts are exact, so
// the order of the atomics does not matter. Returns (T, count strictly above T's bin, flag) with
// flag 1 = fewer than goal in total (keep all).
fn rs_count(lid: u32, n: u32, mode: u32, goal: u32) -> vec3<u32> {
  var prefix = 0u;
  var above = 0u;
  for (var level = 0u; level < 4u; level++) {
    let shift = 24u - 8u * level;
    let hi_mask = select(0xffffffffu << (shift + 8u), 0u, level == 0u);
    for (var b = lid; b < 256u; b += WG) { atomicStore(&hist[b], 0u); }
    workgroupBarrier();
    for (var j = lid; j < iter_len(n); j += WG) {
      let i = iter_index(j);
      let kw = key_weight(mode, i);
      if (kw.y != 0u && (kw.x & hi_mask) == prefix) {
        atomicAdd(&hist[(kw.x >> shift) & 255u], 1u);
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var run = above;
      var chosen = 256u;
      var run_at = 0u;
      for (var dd = 0u; dd < 256u; dd++) {
        let d = 255u - dd;
        let h = atomicLoad(&hist[d]);
        if (h > 0u && run + h >= goal) {
          chosen = d;
          run_at = run;
          break;
        }
        run += h;
      }
      var flag = 0u;
      var done = 0u;
      if (chosen == 256u) {
        flag = 1u; // exact counts: only possible at level 0, when the total is below the goal
        chosen = 0u;
      } else if (run_at + atomicLoad(&hist[chosen]) == goal) {
        // The whole bin is needed: its prefix (lower bits 0) already separates the kept keys from
        // the rest, so the remaining levels (full passes) can be skipped.
        done = 1u;
      }
      sh4 = vec4<u32>(prefix | (chosen << shift), run_at, flag, done);
    }
    let r = workgroupUniformLoad(&sh4);
    if (r.z == 1u) { return vec3<u32>(0u, 0u, 1u); }
    prefix = r.x;
    above = r.y;
    if (r.w == 1u) { break; }
  }
  return vec3<u32>(prefix, above, 0u);
}

// Radix select, probability-mass weights: the largest key T with W(key >= T) >= goal. Float bins
// cannot use atomics (and must sum in a fixed order), so each invocation keeps 16 private bins
// (4-bit digits) that are reduced in a tree, 8 at a time to fit 16 KiB of workgroup memory.
// Returns (T, bits of the weight strictly above T, flag) with flag 1 = total below the goal.
fn rs_mass(lid: u32, n: u32, mode: u32, goal: f32) -> vec3<u32> {
  var prefix = 0u;
  var above = 0.0;
  for (var level = 0u; level < 8u; level++) {
    let shift = 28u - 4u * level;
    let hi_mask = select(0xffffffffu << (shift + 4u), 0u, level == 0u);
    var acc: array<f32, 16>;
    for (var d = 0u; d < 16u; d++) { acc[d] = 0.0; }
    for (var j = lid; j < iter_len(n); j += WG) {
      let i = iter_index(j);
      let kw = key_weight(mode, i);
      if (kw.y != 0u && (kw.x & hi_mask) == prefix) {
        let dig = (kw.x >> shift) & 15u;
        acc[dig] += u2f(kw.y);
      }
    }
    for (var half = 0u; half < 2u; half++) {
      for (var d = 0u; d < 8u; d++) { part[d * WG + lid] = acc[half * 8u + d]; }
      workgroupBarrier();
      {
        // seg invocations per bin, 8 partials each.
        let seg = WG / 8u;
        let b = lid / seg;
        let g = lid % seg;
        var s = 0.0;
        for (var j = 0u; j < 8u; j++) { s += part[b * WG + g * 8u + j]; }
        part2[b * seg + g] = s;
      }
      workgroupBarrier();
      if (lid < 8u) {
        let seg = WG / 8u;
        var s = 0.0;
        for (var j = 0u; j < seg; j++) { s += part2[lid * seg + j]; }
        bins[half * 8u + lid] = s;
      }
      workgroupBarrier();
    }
    if (lid == 0u) {
      var run = above;
      var chosen = 16u;
      var run_at = 0.0;
      for (var dd = 0u; dd < 16u; dd++) {
        let d = 15u - dd;
        if (bins[d] > 0.0 && run + bins[d] >= goal) {
          chosen = d;
          run_at = run;
          break;
        }
        run += bins[d];
      }
      var flag = 0u;
      if (chosen == 16u) {
        if (level == 0u) {
          flag = 1u; // total weight below the goal: keep everything
          chosen = 0u;
        } else {
          // Rounding between levels can leave the goal unreached here: take the lowest
          // non-empty digit (the boundary element of the range chosen one level up).
          var r2 = above;
          chosen = 0u;
          run_at = above;
          for (var dd = 0u; dd < 16u; dd++) {
            let d = 15u - dd;
            if (bins[d] > 0.0) {
              chosen = d;
              run_at = r2;
            }
            r2 += bins[d];
          }
        }
      }
      sh4 = vec4<u32>(prefix | (chosen << shift), f2u(run_at), flag, 0u);
    }
    let r = workgroupUniformLoad(&sh4);
    if (r.z == 1u) { return vec3<u32>(0u, 0u, 1u); }
    prefix = r.x;
    above = u2f(r.y);
  }
  return vec3<u32>(prefix, f2u(above), 0u);
}

// Candidates strictly above (x) and equal to (y) a key threshold.
fn count_gt_eq(lid: u32, n: u32, t: u32) -> vec2<f32> {
  var gt = 0.0;
  var eq = 0.0;
  for (var j = lid; j < iter_len(n); j += WG) {
    let i = iter_index(j);
    let v = src_value(i);
    if (v != SENTINEL) {
      let k = fkey(v);
      if (k > t) { gt += 1.0; } else if (k == t) { eq += 1.0; }
    }
  }
  return wg_sum2(lid, gt, eq);
}

// Threshold for "keep key > T, or key == T and id <= cut": a radix select, then (if `resolve`)
// a second select over the ties at T by ascending id, which gives position semantics (value
// descending, ties by lower id) for top-p and the display top-k. Returns (T, cut, keep-all flag).
// Written as a two-pass loop so each select routine is compiled once per kernel.
fn threshold(lid: u32, n: u32, mode: u32, tie_mode: u32, goal: f32, resolve: bool) -> vec3<u32> {
  var t = 0u;
  var cut = NO_CUT;
  var flag = 0u;
  var m = mode;
  var g = goal;
  for (var round = 0u; round < 2u; round++) {
    var r: vec3<u32>;
    if (m == MODE_COUNT || m == MODE_TIE_COUNT) {
      r = rs_count(lid, n, m, u32(g));
    } else {
      r = rs_mass(lid, n, m, g);
    }
    if (round == 1u) {
      if (r.z == 0u) { cut = ~r.x; }
      break;
    }
    t = r.x;
    flag = r.z;
    if (flag == 1u || !resolve) { break; }
    let ge = count_gt_eq(lid, n, t);
    if (tie_mode == MODE_TIE_COUNT) {
      let need = g - ge.x; // slots left for the ties at T
      if (ge.y <= need) { break; }
      g = need;
    } else {
      if (ge.y <= 1.0) { break; }
      g = g - u2f(r.y); // mass still needed from the ties at T
    }
    g_tie_key = t;
    m = tie_mode;
  }
  return vec3<u32>(t, cut, flag);
}

// Gathers the candidates passing a threshold (at most MAX_TOPK of them) and sorts them by value
// descending, id ascending, into tk_sorted_*. Returns how many.
fn collect_top(lid: u32, n: u32, thr: vec3<u32>, k: u32) -> u32 {
  let t = select(thr.x, 0u, thr.z == 1u);
  let cut = select(thr.y, NO_CUT, thr.z == 1u);
  if (lid == 0u) { atomicStore(&tk_count, 0u); }
  workgroupBarrier();
  for (var j = lid; j < iter_len(n); j += WG) {
    let i = iter_index(j);
    let v = src_value(i);
    if (v != SENTINEL) {
      let kk = fkey(v);
      if (kk > t || (kk == t && i <= cut)) {
        let slot = atomicAdd(&tk_count, 1u);
        if (slot < MAX_TOPK) {
          tk_id[slot] = i;
          tk_val[slot] = v;
        }
      }
    }
  }
  workgroupBarrier();
  let total = min(atomicLoad(&tk_count), MAX_TOPK);
  // Rank sort of at most 64 entries: each invocation counts the entries that beat its own.
  if (lid < total) {
    let v = tk_val[lid];
    let id = tk_id[lid];
    var rank = 0u;
    for (var j = 0u; j < total; j++) {
      let vj = tk_val[j];
      if (vj > v || (vj == v && tk_id[j] < id)) { rank++; }
    }
    tk_sorted_id[rank] = id;
    tk_sorted_val[rank] = v;
  }
  if (lid == 0u) { sh4 = vec4<u32>(min(total, k), 0u, 0u, 0u); }
  return workgroupUniformLoad(&sh4).x;
}

// Compacts the row's candidates (xbuf != SENTINEL) into clist in ascending id order: contiguous
// chunks per invocation and an exclusive scan of their counts, so the list (and every sum over it)
// is the same on every run. Sets g_list_len.
fn build_list(lid: u32, n: u32) {
  let chunk = (n + WG - 1u) / WG;
  let lo = min(lid * chunk, n);
  let hi = min(lo + chunk, n);
  var c = 0u;
  for (var i = lo; i < hi; i++) {
    if (xbuf[g_row_base + i] != SENTINEL) { c++; }
  }
  red_i[lid] = c;
  workgroupBarrier();
  if (lid == 0u) {
    var run = 0u;
    for (var t = 0u; t < WG; t++) {
      let v = red_i[t];
      red_i[t] = run;
      run += v;
    }
    sh4 = vec4<u32>(run, 0u, 0u, 0u);
  }
  let total = workgroupUniformLoad(&sh4).x;
  var o = red_i[lid];
  for (var i = lo; i < hi; i++) {
    if (xbuf[g_row_base + i] != SENTINEL) {
      clist[g_row_base + o] = i;
      o++;
    }
  }
  storageBarrier();
  g_list_len = total;
}

// The k best candidates of the current source (value desc, id asc) into tk_sorted_*. Count-only
// twin of `threshold` (k-th value, then the lowest ids among its ties), so kernels that never
// select by mass (stats, verify) do not compile the mass select at all.
fn top_of_source(lid: u32, n: u32, k: u32) -> u32 {
  var thr = vec3<u32>(0u, NO_CUT, 0u);
  var g = k;
  var m = MODE_COUNT;
  for (var round = 0u; round < 2u; round++) {
    let r = rs_count(lid, n, m, g);
    if (round == 1u) {
      thr.y = ~r.x;
      break;
    }
    thr = vec3<u32>(r.x, NO_CUT, r.z);
    if (r.z == 1u) { break; }
    let ge = count_gt_eq(lid, n, r.x);
    let need = f32(k) - ge.x;
    if (ge.y <= need) { break; }
    g = u32(need);
    g_tie_key = r.x;
    m = MODE_TIE_COUNT;
  }
  return collect_top(lid, n, thr, k);
}
