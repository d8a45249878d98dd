// Thresholds and top-k without sorting (after kernels-common.wgsl, which it uses): radix selects
// on order-preserving u32 keys, the threshold routine every truncating stage calls, top-k
// collection and the candidate list.

// What a radix select counts (key_weight).
const MODE_NONE: u32 = 99u;
const MODE_COUNT: u32 = 0u;
const MODE_MASS: u32 = 1u;
const MODE_TYPICAL: u32 = 2u;
const MODE_TIE_COUNT: u32 = 3u;
const MODE_TIE_MASS: u32 = 4u;

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
