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
//   u32 keys (4-bit digits, 8 passes) with count or probability-mass weights: no sort of the vocab.

const WG: u32 = 256u;
const SENTINEL: f32 = -3.40282346638528859812e+38f;
// Finite logits are clamped above the sentinel so a real token can never be mistaken for a removed one.
const FLOOR: f32 = -1.0e38f;
const CEIL: f32 = 1.0e38f;
const MAX_TOPK: u32 = 64u;

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

struct Dims {
  vocab: u32,
  rows: u32,
  topk: u32,
  stride: u32, // u32 words per row in `outw`
  in_offset: u32, // element offset of row 0 in `logits`
  k_draft: u32,
  vflags: u32, // verify: bit0 uniforms given in aux, bit1 greedy
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

// binding 0 (`logits`) and `load_logit` come from logits-f32.wgsl or logits-f16.wgsl.
@group(0) @binding(1) var<uniform> dims: Dims;
@group(0) @binding(2) var<storage, read> params: array<RowParams>;
@group(0) @binding(3) var<storage, read> aux: array<u32>;
@group(0) @binding(4) var<storage, read_write> xbuf: array<f32>;
@group(0) @binding(5) var<storage, read_write> outw: array<u32>;
@group(0) @binding(6) var<storage, read_write> auxf: array<f32>;

var<workgroup> red_a: array<f32, WG>;
var<workgroup> red_b: array<f32, WG>;
var<workgroup> red_i: array<u32, WG>;
var<workgroup> part: array<f32, 2048>;
var<workgroup> part2: array<f32, 256>;
var<workgroup> bins: array<f32, 16>;
var<workgroup> sh_u: u32;
var<workgroup> sh_f: f32;
var<workgroup> sh_f2: f32;
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

const MODE_COUNT: u32 = 0u;
const MODE_MASS: u32 = 1u;
const MODE_TYPICAL: u32 = 2u;
const MODE_TIE_COUNT: u32 = 3u;
const MODE_TIE_MASS: u32 = 4u;

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

// Value of token i in the current source; SENTINEL = not a candidate.
fn src_value(i: u32) -> f32 {
  if (g_src == 0u) { return xbuf[g_row_base + i]; }
  if (g_src == 1u) { return raw_value(i); }
  let p = auxf[g_aux_base + i];
  return select(SENTINEL, p, p > 0.0);
}

// ---- workgroup reductions (all invocations must call them: they contain barriers) ----

fn wg_max(lid: u32, v: f32) -> f32 {
  red_a[lid] = v;
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    workgroupBarrier();
    if (lid < s) { red_a[lid] = max(red_a[lid], red_a[lid + s]); }
  }
  let r = workgroupUniformLoad(&red_a[0]);
  workgroupBarrier();
  return r;
}

fn wg_sum2(lid: u32, a: f32, b: f32) -> vec2<f32> {
  red_a[lid] = a;
  red_b[lid] = b;
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    workgroupBarrier();
    if (lid < s) {
      red_a[lid] = red_a[lid] + red_a[lid + s];
      red_b[lid] = red_b[lid] + red_b[lid + s];
    }
  }
  let ra = workgroupUniformLoad(&red_a[0]);
  let rb = workgroupUniformLoad(&red_b[0]);
  workgroupBarrier();
  return vec2<f32>(ra, rb);
}

fn wg_sum(lid: u32, a: f32) -> f32 { return wg_sum2(lid, a, 0.0).x; }

// Argmax with ties to the lowest index; idx 0xffffffff = "no candidate" and always loses.
fn wg_argmax(lid: u32, v: f32, idx: u32) -> u32 {
  red_a[lid] = v;
  red_i[lid] = idx;
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    workgroupBarrier();
    if (lid < s) {
      let va = red_a[lid];
      let ia = red_i[lid];
      let vb = red_a[lid + s];
      let ib = red_i[lid + s];
      var take_b = false;
      if (ib != 0xffffffffu) {
        take_b = ia == 0xffffffffu || vb > va || (vb == va && ib < ia);
      }
      if (take_b) {
        red_a[lid] = vb;
        red_i[lid] = ib;
      }
    }
  }
  let r = workgroupUniformLoad(&red_i[0]);
  workgroupBarrier();
  return r;
}

// Max and softmax normalizer of the current source's candidates -> g_m, g_z; returns the count.
fn norm_src(lid: u32, n: u32) -> f32 {
  var mx = SENTINEL;
  for (var i = lid; i < n; i += WG) { mx = max(mx, src_value(i)); }
  g_m = wg_max(lid, mx);
  var z = 0.0;
  var c = 0.0;
  for (var i = lid; i < n; i += WG) {
    let v = src_value(i);
    if (v != SENTINEL) {
      z += exp(v - g_m);
      c += 1.0;
    }
  }
  let r = wg_sum2(lid, z, c);
  g_z = r.x;
  return r.y;
}

// Entropy -sum p ln p (nats) of softmax over the current source, using g_m / g_z.
fn entropy_src(lid: u32, n: u32) -> f32 {
  let lnz = log(g_z);
  var h = 0.0;
  for (var i = lid; i < n; i += WG) {
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

// (key, weight) of token i for a radix-select mode.
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

// Radix select: the largest key T with W(key >= T) >= goal, where W sums the mode's weights.
// Returns vec2(T, flag): flag 1 = total weight < goal (caller keeps everything). sh_f holds the
// weight strictly above T on return (read it with workgroupUniformLoad).
fn radix_select(lid: u32, n: u32, mode: u32, goal: f32) -> vec2<u32> {
  var prefix = 0u;
  var above = 0.0;
  var keep_all = 0u;
  for (var level = 0u; level < 8u; level++) {
    let shift = 28u - 4u * level;
    // Bits above the current digit must equal the prefix (none at level 0).
    let hi_mask = select(0xffffffffu << (shift + 4u), 0u, level == 0u);
    var acc: array<f32, 16>;
    for (var d = 0u; d < 16u; d++) { acc[d] = 0.0; }
    for (var i = lid; i < n; i += WG) {
      let kw = key_weight(mode, i);
      if ((kw.x & hi_mask) == prefix) {
        let dig = (kw.x >> shift) & 15u;
        acc[dig] += u2f(kw.y);
      }
    }
    // 16 bins x 256 invocations, reduced in two halves of 8 bins to fit 16 KiB of workgroup memory.
    for (var half = 0u; half < 2u; half++) {
      for (var d = 0u; d < 8u; d++) { part[d * WG + lid] = acc[half * 8u + d]; }
      workgroupBarrier();
      {
        let b = lid / 32u;
        let g = lid % 32u;
        var s = 0.0;
        for (var j = 0u; j < 8u; j++) { s += part[b * WG + g * 8u + j]; }
        part2[b * 32u + g] = s;
      }
      workgroupBarrier();
      if (lid < 8u) {
        var s = 0.0;
        for (var j = 0u; j < 32u; j++) { s += part2[lid * 32u + j]; }
        bins[half * 8u + lid] = s;
      }
      workgroupBarrier();
    }
    if (lid == 0u) {
      var run = above;
      var chosen = 16u;
      var run_at = 0.0;
      for (var dd = 0; dd < 16; dd++) {
        let d = u32(15 - dd);
        if (run + bins[d] >= goal && bins[d] > 0.0) {
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
          run_at = 0.0;
        } else {
          // Rounding between levels can leave the goal unreached here: take the lowest
          // non-empty digit (the boundary element of the range chosen one level up).
          var r2 = above;
          chosen = 0u;
          run_at = above;
          for (var dd = 0; dd < 16; dd++) {
            let d = u32(15 - dd);
            if (bins[d] > 0.0) {
              chosen = d;
              run_at = r2;
            }
            r2 += bins[d];
          }
        }
      }
      sh_u = prefix | (chosen << shift);
      sh_f = run_at;
      sh_f2 = select(0.0, 1.0, flag == 1u);
    }
    prefix = workgroupUniformLoad(&sh_u);
    above = workgroupUniformLoad(&sh_f);
    let f = workgroupUniformLoad(&sh_f2);
    workgroupBarrier();
    if (f > 0.5) {
      keep_all = 1u;
      break;
    }
  }
  if (keep_all == 1u) { return vec2<u32>(0u, 1u); }
  return vec2<u32>(prefix, 0u);
}

// Count (x) and count of ties (y) relative to a key threshold, over candidates of the source.
fn count_gt_eq(lid: u32, n: u32, t: u32) -> vec2<f32> {
  var gt = 0.0;
  var eq = 0.0;
  for (var i = lid; i < n; i += WG) {
    let v = src_value(i);
    if (v != SENTINEL) {
      let k = fkey(v);
      if (k > t) { gt += 1.0; } else if (k == t) { eq += 1.0; }
    }
  }
  return wg_sum2(lid, gt, eq);
}

// The k best candidates of the current source, by value descending then id ascending, into
// tk_sorted_id / tk_sorted_val. Returns how many (min(k, candidates)).
fn topk_collect(lid: u32, n: u32, k: u32) -> u32 {
  let sel = radix_select(lid, n, MODE_COUNT, f32(k));
  var t = sel.x;
  var id_cut = 0xffffffffu;
  if (sel.y == 0u) {
    let ge = count_gt_eq(lid, n, t);
    let need = f32(k) - ge.x;
    if (ge.y > need) {
      // More ties at the k-th value than slots: keep the lowest ids.
      g_tie_key = t;
      let s2 = radix_select(lid, n, MODE_TIE_COUNT, need);
      id_cut = ~s2.x;
    }
  }
  if (lid == 0u) { atomicStore(&tk_count, 0u); }
  workgroupBarrier();
  for (var i = lid; i < n; i += WG) {
    let v = src_value(i);
    if (v != SENTINEL) {
      let kk = fkey(v);
      if (kk > t || (kk == t && i <= id_cut)) {
        let slot = atomicAdd(&tk_count, 1u);
        if (slot < MAX_TOPK) {
          tk_id[slot] = i;
          tk_val[slot] = v;
        }
      }
    }
  }
  workgroupBarrier();
  let cnt = min(atomicLoad(&tk_count), min(k, MAX_TOPK));
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
    if (rank < MAX_TOPK) {
      tk_sorted_id[rank] = id;
      tk_sorted_val[rank] = v;
    }
  }
  if (lid == 0u) { sh_u = cnt; }
  let r = workgroupUniformLoad(&sh_u);
  workgroupBarrier();
  return r;
}
