// Logits processors in Hugging Face order, one workgroup per row, writing processed logits to xbuf
// (SENTINEL = removed) and per-stage kept counts / removed mass to the row header:
// repetition_penalty -> temperature (or dynatemp; 0 = greedy) -> top_k -> top_p -> min_p ->
// typical_p -> epsilon_cutoff -> eta_cutoff, then the processed display top-k.
// Semantics mirror src/engine/kernels/cpu/processors. Needs the stats kernel's sanitation flags in
// the header (stats runs first in the same submit).
//
// The stages run as one loop over a stage index with a single call site for the threshold select,
// the mask and the normalizer: compilers that inline every call (SwiftShader) then compile those
// routines once instead of once per stage.

// How a stage filters: by key threshold (top-k, top-p, typical), by ratio to the max (min-p), by
// probability floor (epsilon, eta), or to one token (greedy temperature 0).
const K_NONE: u32 = 0u;
const K_KEY: u32 = 2u;
const K_MINP: u32 = 3u;
const K_FLOOR: u32 = 4u;
const K_SINGLE: u32 = 5u;

// Drops the candidates that fail the stage's test and records its kept count and the mass it
// removed from the entering distribution (g_m / g_z are that distribution's normalizer).
fn mask_stage(lid: u32, n: u32, ob: u32, slot: u32, before: f32, kind: u32, thr: vec3<u32>, single: u32, fl: f32) {
  var ke = 0.0;
  var kc = 0.0;
  for (var j = lid; j < iter_len(n); j += WG) {
    let i = iter_index(j);
    let v = xbuf[g_row_base + i];
    if (v != SENTINEL) {
      var keep = true;
      if (kind == K_KEY) {
        let k = select(fkey(v), typical_key(v), slot == 5u);
        keep = k > thr.x || (k == thr.x && i <= thr.y);
      } else if (kind == K_MINP) {
        keep = v == g_m || exp(v - g_m) >= fl;
      } else if (kind == K_FLOOR) {
        keep = v == g_m || exp(v - g_m) / g_z >= fl;
      } else if (kind == K_SINGLE) {
        keep = i == single;
      }
      if (keep) {
        ke += exp(v - g_m);
        kc += 1.0;
      } else {
        xbuf[g_row_base + i] = SENTINEL;
      }
    }
  }
  let r = wg_sum2(lid, ke, kc);
  if (lid == 0u) {
    outw[ob + H_KEPT + slot] = u32(r.y);
    // As the CPU reference: removed mass only when something was removed.
    outw[ob + H_REMOVED + slot] = f2u(select(0.0, max(0.0, 1.0 - r.x / g_z), r.y != before));
  }
}

@compute @workgroup_size(WG)
fn process_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  let n = dims.vocab;
  let ob = row * dims.stride;
  let P = params[row];
  g_in_base = dims.in_offset + row * n;
  g_row_base = row * n;
  g_src = 0u;
  g_pinf = outw[ob + H_PINF] == 1u;
  g_degen = outw[ob + H_DEGENERATE] == 1u;
  g_h = 0.0;
  g_list_len = 0u;

  for (var i = lid; i < n; i += WG) { xbuf[g_row_base + i] = raw_value(i); }
  storageBarrier();

  var count = norm_src(lid, n);
  var temp = 1.0;
  let k_disp = min(dims.topk, MAX_TOPK);
  var shown = 0u;
  var have_list = false;
  for (var st = 0u; st < 9u; st++) {
    if (st < 8u && (P.flags & (1u << st)) == 0u) { continue; }
    // Once truncation has removed most tokens, later stages visit only the candidates.
    if (!have_list && count * 4.0 < f32(n)) {
      build_list(lid, n);
      have_list = true; // a function-scope copy: private variables count as non-uniform
    }
    var kind = K_NONE;
    var mode = MODE_NONE;
    var tie_mode = MODE_NONE;
    var goal = 0.0;
    var resolve = false;
    var single = 0u;
    var fl = 0.0;

    let dyn = st == 1u && (P.flags & F_DYNATEMP) != 0u;
    var h = 0.0;
    if (dyn || st == 5u || st == 7u) { h = entropy_src(lid, n); }

    if (st == 0u) {
      // Each context id rewrites its token from the *raw* value, so duplicate ids (handled by
      // several invocations) write the same number: penalized exactly once, no race.
      for (var j = lid; j < P.ctx_len; j += WG) {
        let id = aux[P.ctx_off + j];
        if (id < n) {
          let v = raw_value(id);
          if (v != SENTINEL) {
            xbuf[g_row_base + id] = select(v / P.rep_penalty, v * P.rep_penalty, v < 0.0);
          }
        }
      }
      storageBarrier();
    } else if (st == 1u) {
      temp = P.temperature;
      if (dyn) {
        // llama.cpp dynatemp: T = minT + (maxT - minT) * (H / ln N)^exponent.
        let min_t = max(0.0, P.temperature - P.dyn_range);
        let max_t = P.temperature + P.dyn_range;
        temp = min_t;
        if (count > 1.0) {
          let nh = clamp(h / log(count), 0.0, 1.0);
          if (nh > 0.0) { temp = min_t + (max_t - min_t) * pow(nh, P.dyn_exp); }
        }
      }
      if (temp == 0.0) {
        // Greedy: only the argmax (lowest id on ties) survives, its score untouched.
        var best_v = SENTINEL;
        var best_i = NO_CUT;
        for (var i = lid; i < n; i += WG) {
          let v = xbuf[g_row_base + i];
          if (v != SENTINEL && (best_i == NO_CUT || v > best_v)) {
            best_v = v;
            best_i = i;
          }
        }
        single = wg_argmax(lid, best_v, best_i);
        kind = K_SINGLE;
      } else {
        // (s - max) / T as the CPU reference: the max stays exactly 0, nothing overflows upward.
        let inv = 1.0 / temp;
        for (var i = lid; i < n; i += WG) {
          let v = xbuf[g_row_base + i];
          if (v != SENTINEL) { xbuf[g_row_base + i] = max((v - g_m) * inv, FLOOR); }
        }
        storageBarrier();
      }
    } else if (st == 2u) {
      let k = max(P.top_k, 1u);
      if (f32(k) < count) {
        mode = MODE_COUNT;
        goal = f32(k);
        kind = K_KEY;
      }
    } else if (st == 3u) {
      // Position semantics (value descending, ties by lower id): keep a token while the mass
      // strictly above it is < p, i.e. up to the first position whose inclusive mass reaches p.
      mode = MODE_MASS;
      tie_mode = MODE_TIE_MASS;
      goal = P.top_p;
      resolve = true;
      kind = K_KEY;
    } else if (st == 4u) {
      kind = K_MINP;
      fl = P.min_p;
    } else if (st == 5u) {
      g_h = h;
      mode = MODE_TYPICAL;
      goal = P.typical_p;
      kind = K_KEY;
    } else if (st == 6u) {
      kind = K_FLOOR;
      fl = P.eps;
    } else if (st == 7u) {
      kind = K_FLOOR;
      fl = min(P.eta, sqrt(P.eta) * exp(-h));
    } else {
      mode = MODE_COUNT;
      tie_mode = MODE_TIE_COUNT;
      goal = f32(k_disp);
      resolve = true;
    }

    var thr = vec3<u32>(0u, NO_CUT, 0u);
    if (mode != MODE_NONE) {
      thr = threshold(lid, n, mode, tie_mode, goal, resolve);
      if (thr.z == 1u && st < 8u) { kind = K_NONE; } // the goal needs every candidate
    }
    if (st == 8u) {
      shown = collect_top(lid, n, thr, k_disp);
      break;
    }
    if (kind == K_NONE) {
      if (lid == 0u) {
        outw[ob + H_KEPT + st] = u32(count);
        outw[ob + H_REMOVED + st] = f2u(0.0);
      }
    } else {
      mask_stage(lid, n, ob, st, count, kind, thr, single, fl);
    }
    storageBarrier();
    count = norm_src(lid, n);
  }

  let lnz = log(g_z);
  if (lid < shown) {
    outw[ob + H_SIZE + 2u * k_disp + lid] = tk_sorted_id[lid];
    outw[ob + H_SIZE + 3u * k_disp + lid] = f2u(tk_sorted_val[lid] - g_m - lnz);
  }
  if (lid == 0u) {
    outw[ob + H_TEMPERATURE] = f2u(temp);
    outw[ob + H_PROC_M] = f2u(g_m);
    outw[ob + H_PROC_LNZ] = f2u(lnz);
    outw[ob + H_PROC_COUNT] = u32(count);
    outw[ob + H_PROC_TOP_N] = shown;
  }
}

// Dense probabilities of the processed rows (keepProcessed / verification): p = exp(x - m - lnZ).
@compute @workgroup_size(WG)
fn probs_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  let n = dims.vocab;
  let ob = row * dims.stride;
  let m = u2f(outw[ob + H_PROC_M]);
  let lnz = u2f(outw[ob + H_PROC_LNZ]);
  for (var i = lid; i < n; i += WG) {
    let v = xbuf[row * n + i];
    auxf[row * n + i] = select(0.0, exp(v - m - lnz), v != SENTINEL);
  }
}
