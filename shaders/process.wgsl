// Logits processors in the row's chain order (its stage codes at aux[P.stages_off], Hugging Face
// order by default), one workgroup per row, writing processed logits to xbuf (SENTINEL = removed)
// and per-position kept counts / removed mass to the row header, then the processed display top-k.
// Semantics mirror src/engine/kernels/cpu/processors. Needs the stats kernel's sanitation flags in
// the header (stats runs first in the same submit).
//
// The stages run as one loop over the chain positions with a single call site for the threshold select,
// the mask and the normalizer: compilers that inline every call (SwiftShader) then compile those
// routines once instead of once per stage.

// How a stage filters: by key threshold (top-k, top-p, typical), by ratio to the max (min-p), by
// probability floor (epsilon, eta, mirostat), to one token (greedy temperature 0), by logit floor
// (top-nσ), or below a probability ceiling but one (XTC).
const K_NONE: u32 = 0u;
const K_KEY: u32 = 2u;
const K_MINP: u32 = 3u;
const K_FLOOR: u32 = 4u;
const K_SINGLE: u32 = 5u;
const K_MIN_LOGIT: u32 = 6u;
const K_XTC: u32 = 7u;

// Drops the candidates that fail the stage's test and records its kept count and the mass it
// removed from the entering distribution (g_m / g_z are that distribution's normalizer).
fn mask_stage(lid: u32, n: u32, ob: u32, pos: u32, st: u32, before: f32, kind: u32, thr: vec3<u32>, single: u32, fl: f32) {
  var ke = 0.0;
  var kc = 0.0;
  for (var j = lid; j < iter_len(n); j += WG) {
    let i = iter_index(j);
    let v = xbuf[g_row_base + i];
    if (v != SENTINEL) {
      var keep = true;
      if (kind == K_KEY) {
        let k = select(fkey(v), typical_key(v), st == ST_TYPICAL_P);
        keep = k > thr.x || (k == thr.x && i <= thr.y);
      } else if (kind == K_MINP) {
        keep = v == g_m || exp(v - g_m) >= fl;
      } else if (kind == K_FLOOR) {
        keep = v == g_m || exp(v - g_m) / g_z >= fl;
      } else if (kind == K_SINGLE) {
        keep = i == single;
      } else if (kind == K_MIN_LOGIT) {
        keep = v >= fl;
      } else if (kind == K_XTC) {
        keep = i == single || exp(v - g_m) / g_z < fl;
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
    outw[ob + H_KEPT + pos] = u32(r.y);
    // As the CPU reference: removed mass only when something was removed.
    outw[ob + H_REMOVED + pos] = f2u(select(0.0, max(0.0, 1.0 - r.x / g_z), r.y != before));
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
  // Position P.n_stages is the display top-k pass after the last stage.
  for (var pos = 0u; pos <= P.n_stages; pos++) {
    let last = pos == P.n_stages;
    var st = ST_NONE;
    if (!last) { st = aux[P.stages_off + pos]; }
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

    let dyn = st == ST_TEMPERATURE && (P.flags & F_DYNATEMP) != 0u;
    var h = 0.0;
    if (dyn || st == ST_TYPICAL_P || st == ST_ETA_CUTOFF) { h = entropy_src(lid, n); }

    if (st == ST_LOGIT_BIAS) {
      // (id, bias bits) pairs with distinct ids (the host refuses repeats): no race.
      for (var j = lid; j < P.lb_len; j += WG) {
        let id = aux[P.lb_off + 2u * j];
        if (id < n) {
          let v = xbuf[g_row_base + id];
          if (v != SENTINEL) { xbuf[g_row_base + id] = clamp(v + u2f(aux[P.lb_off + 2u * j + 1u]), FLOOR, CEIL); }
        }
      }
      storageBarrier();
    } else if (st == ST_REPETITION_PENALTY) {
      // The context ids are distinct (the host dedupes them): one invocation per token, no race.
      for (var j = lid; j < P.ctx_len; j += WG) {
        let id = aux[P.ctx_off + j];
        if (id < n) {
          let v = xbuf[g_row_base + id];
          if (v != SENTINEL) {
            xbuf[g_row_base + id] = select(v / P.rep_penalty, v * P.rep_penalty, v < 0.0);
          }
        }
      }
      storageBarrier();
    } else if (st == ST_PRESENCE_FREQUENCY) {
      // Distinct ids, their counts right after them: one invocation per token.
      for (var j = lid; j < P.ctx_len; j += WG) {
        let id = aux[P.ctx_off + j];
        if (id < n) {
          let v = xbuf[g_row_base + id];
          if (v != SENTINEL) {
            let c = f32(aux[P.ctx_off + P.ctx_len + j]);
            xbuf[g_row_base + id] = clamp(v - (P.presence_penalty + P.frequency_penalty * c), FLOOR, CEIL);
          }
        }
      }
      storageBarrier();
    } else if (st == ST_DRY) {
      // Each invocation owns distinct candidate ids and scans the window for the positions where its
      // id follows a repeat of the context's suffix (bounded backward compare, at most dry_cap long);
      // only it writes that token's logit.
      let L = P.seq_len;
      let W = min(L, P.dry_last_n);
      if (W > P.dry_allowed) {
        let w0 = L - W;
        let last = P.seq_off + L - 1u;
        for (var j = lid; j < P.ctx_len; j += WG) {
          let id = aux[P.ctx_off + j];
          if (id >= n) { continue; }
          let v = xbuf[g_row_base + id];
          if (v == SENTINEL) { continue; }
          var best = 0u;
          for (var p = w0 + 1u; p < L; p++) {
            if (aux[P.seq_off + p] != id) { continue; }
            let lim = min(p - w0, P.dry_cap);
            var m = 0u;
            while (m < lim && aux[P.seq_off + p - 1u - m] == aux[last - m]) { m++; }
            best = max(best, m);
          }
          if (best >= P.dry_allowed) {
            var e = best - P.dry_allowed;
            if (P.dry_max_exp > 0u) { e = min(e, P.dry_max_exp); }
            // In the log domain so the f32 power cannot overflow; past e^80 the token is gone anyway.
            let lp = f32(e) * log(P.dry_base);
            let pen = select(P.dry_mult * exp(min(lp, 80.0)), CEIL, lp > 80.0);
            xbuf[g_row_base + id] = max(v - pen, FLOOR);
          }
        }
      }
      storageBarrier();
    } else if (st == ST_TEMPERATURE) {
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
    } else if (st == ST_TOP_K) {
      let k = max(P.top_k, 1u);
      if (f32(k) < count) {
        mode = MODE_COUNT;
        goal = f32(k);
        kind = K_KEY;
      }
    } else if (st == ST_TOP_P) {
      // Position semantics (value descending, ties by lower id): keep a token while the mass
      // strictly above it is < p, i.e. up to the first position whose inclusive mass reaches p.
      mode = MODE_MASS;
      tie_mode = MODE_TIE_MASS;
      goal = P.top_p;
      resolve = true;
      kind = K_KEY;
    } else if (st == ST_MIN_P) {
      kind = K_MINP;
      fl = P.min_p;
    } else if (st == ST_TYPICAL_P) {
      g_h = h;
      mode = MODE_TYPICAL;
      goal = P.typical_p;
      kind = K_KEY;
    } else if (st == ST_EPSILON_CUTOFF) {
      kind = K_FLOOR;
      fl = P.eps;
    } else if (st == ST_ETA_CUTOFF) {
      kind = K_FLOOR;
      fl = min(P.eta, sqrt(P.eta) * exp(-h));
    } else if (st == ST_TOP_N_SIGMA) {
      // Two passes (mean, then squared deviations) as the CPU reference, for accuracy in f32.
      var sum = 0.0;
      for (var j = lid; j < iter_len(n); j += WG) {
        let v = xbuf[g_row_base + iter_index(j)];
        if (v != SENTINEL) { sum += v; }
      }
      let mean = wg_sum(lid, sum) / count;
      var acc = 0.0;
      for (var j = lid; j < iter_len(n); j += WG) {
        let v = xbuf[g_row_base + iter_index(j)];
        if (v != SENTINEL) { acc += (v - mean) * (v - mean); }
      }
      kind = K_MIN_LOGIT;
      fl = g_m - P.top_n_sigma * sqrt(wg_sum(lid, acc) / count);
    } else if (st == ST_XTC) {
      // One draw per row from the row's key (uniform across the workgroup): act when u <= probability.
      if (rng_uniform(P.seed, P.step, P.xtc_purpose, 0u) <= P.xtc_probability) {
        // Candidates reaching the threshold, and the least probable of them (lowest id among equals).
        var reach = 0.0;
        var low_v = SENTINEL;
        var low_i = NO_CUT;
        for (var j = lid; j < iter_len(n); j += WG) {
          let i = iter_index(j);
          let v = xbuf[g_row_base + i];
          if (v != SENTINEL && exp(v - g_m) / g_z >= P.xtc_threshold) {
            reach += 1.0;
            if (better(-v, i, low_v, low_i)) {
              low_v = -v;
              low_i = i;
            }
          }
        }
        let reached = wg_sum(lid, reach);
        single = wg_argmax(lid, low_v, low_i);
        if (reached >= 2.0) {
          kind = K_XTC;
          fl = P.xtc_threshold;
        }
      }
    } else if (st == ST_MIROSTAT) {
      // Surprise -log2 p <= mu, i.e. p >= 2^-mu (the host packs the cut from the row's mu).
      kind = K_FLOOR;
      fl = P.mirostat_cut;
    } else if (last) {
      mode = MODE_COUNT;
      tie_mode = MODE_TIE_COUNT;
      goal = f32(k_disp);
      resolve = true;
    }

    var thr = vec3<u32>(0u, NO_CUT, 0u);
    if (mode != MODE_NONE) {
      thr = threshold(lid, n, mode, tie_mode, goal, resolve);
      if (thr.z == 1u && !last) { kind = K_NONE; } // the goal needs every candidate
    }
    if (last) {
      shown = collect_top(lid, n, thr, k_disp);
      break;
    }
    if (kind == K_NONE) {
      if (lid == 0u) {
        outw[ob + H_KEPT + pos] = u32(count);
        outw[ob + H_REMOVED + pos] = f2u(0.0);
      }
    } else {
      mask_stage(lid, n, ob, pos, st, count, kind, thr, single, fl);
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
