// Logits processors in Hugging Face order, one workgroup per row, writing processed logits to xbuf
// (SENTINEL = removed) and per-stage kept counts / removed mass to the row header:
// repetition_penalty -> temperature (or dynatemp; 0 = greedy) -> top_k -> top_p -> min_p ->
// typical_p -> epsilon_cutoff -> eta_cutoff. Semantics mirror src/engine/kernels/cpu/processors.
// Needs the stats kernel's sanitation flags in the header (it runs first in the same submit).

const NO_CUT: u32 = 0xffffffffu;

// Drops the candidates that fail `keep_token`, and records the stage's kept count and the mass it
// removed from the entering distribution (g_m / g_z are that distribution's normalizer).
// kind: 2 topk/topp/typical (key threshold), 3 min_p, 4 epsilon/eta (prob floor), 5 single id.
fn mask_stage(lid: u32, n: u32, ob: u32, slot: u32, before: f32, kind: u32, t: u32, id_cut: u32, fl: f32) -> f32 {
  var ke = 0.0;
  var kc = 0.0;
  for (var i = lid; i < n; i += WG) {
    let v = xbuf[g_row_base + i];
    if (v != SENTINEL) {
      var keep = true;
      if (kind == 2u) {
        let k = select(fkey(v), typical_key(v), slot == 5u);
        keep = k > t || (k == t && i <= id_cut);
      } else if (kind == 3u) {
        keep = v == g_m || exp(v - g_m) >= fl;
      } else if (kind == 4u) {
        keep = v == g_m || exp(v - g_m) / g_z >= fl;
      } else if (kind == 5u) {
        keep = i == id_cut;
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
  storageBarrier();
  if (lid == 0u) {
    outw[ob + H_KEPT + slot] = u32(r.y);
    // As the CPU reference: removed mass only when something was removed.
    outw[ob + H_REMOVED + slot] = f2u(select(0.0, max(0.0, 1.0 - r.x / g_z), r.y != before));
  }
  return r.y;
}

fn record_unchanged(lid: u32, ob: u32, slot: u32, count: f32) {
  if (lid == 0u) {
    outw[ob + H_KEPT + slot] = u32(count);
    outw[ob + H_REMOVED + slot] = f2u(0.0);
  }
}

@compute @workgroup_size(256)
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

  for (var i = lid; i < n; i += WG) { xbuf[g_row_base + i] = raw_value(i); }
  storageBarrier();

  // Repetition penalty. Each context id rewrites its token from the *raw* value, so duplicate ids
  // (handled by several invocations) write the same number: penalized exactly once, no race.
  if ((P.flags & F_REP) != 0u) {
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
  }

  var count = norm_src(lid, n);
  if ((P.flags & F_REP) != 0u) { record_unchanged(lid, ob, 0u, count); }

  var temp = 1.0;
  if ((P.flags & F_TEMP) != 0u) {
    temp = P.temperature;
    if ((P.flags & F_DYNATEMP) != 0u) {
      // llama.cpp dynatemp: T = minT + (maxT - minT) * (H / ln N)^exponent.
      let min_t = max(0.0, P.temperature - P.dyn_range);
      let max_t = P.temperature + P.dyn_range;
      let h = entropy_src(lid, n);
      if (count <= 1.0) {
        temp = min_t;
      } else {
        let nh = clamp(h / log(count), 0.0, 1.0);
        temp = min_t + (max_t - min_t) * pow(nh, P.dyn_exp);
        if (nh == 0.0) { temp = min_t; }
      }
    }
    if (temp == 0.0) {
      // Greedy: only the argmax (lowest id on ties) survives, its score untouched.
      var best_v = SENTINEL;
      var best_i = 0xffffffffu;
      for (var i = lid; i < n; i += WG) {
        let v = xbuf[g_row_base + i];
        if (v != SENTINEL && (best_i == 0xffffffffu || v > best_v)) {
          best_v = v;
          best_i = i;
        }
      }
      let best = wg_argmax(lid, best_v, best_i);
      count = mask_stage(lid, n, ob, 1u, count, 5u, 0u, best, 0.0);
    } else {
      // (s - max) / T as the CPU reference: the max stays exactly 0 and nothing overflows upward.
      let inv = 1.0 / temp;
      for (var i = lid; i < n; i += WG) {
        let v = xbuf[g_row_base + i];
        if (v != SENTINEL) { xbuf[g_row_base + i] = max((v - g_m) * inv, FLOOR); }
      }
      storageBarrier();
      record_unchanged(lid, ob, 1u, count);
    }
    count = norm_src(lid, n);
  }

  if ((P.flags & F_TOPK) != 0u) {
    let k = max(P.top_k, 1u);
    if (f32(k) < count) {
      let sel = radix_select(lid, n, MODE_COUNT, f32(k));
      count = mask_stage(lid, n, ob, 2u, count, 2u, sel.x, NO_CUT, 0.0);
      count = norm_src(lid, n);
    } else {
      record_unchanged(lid, ob, 2u, count);
    }
  }

  if ((P.flags & F_TOPP) != 0u) {
    // Position semantics (value descending, ties by lower id): keep a token while the mass
    // strictly above it is < p, i.e. up to the first position whose inclusive mass reaches p.
    let sel = radix_select(lid, n, MODE_MASS, P.top_p);
    if (sel.y == 1u) {
      record_unchanged(lid, ob, 3u, count);
    } else {
      let above = workgroupUniformLoad(&sh_f);
      let ge = count_gt_eq(lid, n, sel.x);
      var cut = NO_CUT;
      if (ge.y > 1.0) {
        g_tie_key = sel.x;
        let s2 = radix_select(lid, n, MODE_TIE_MASS, P.top_p - above);
        cut = select(~s2.x, NO_CUT, s2.y == 1u);
      }
      count = mask_stage(lid, n, ob, 3u, count, 2u, sel.x, cut, 0.0);
      count = norm_src(lid, n);
    }
  }

  if ((P.flags & F_MINP) != 0u) {
    count = mask_stage(lid, n, ob, 4u, count, 3u, 0u, NO_CUT, P.min_p);
    count = norm_src(lid, n);
  }

  if ((P.flags & F_TYPICAL) != 0u) {
    g_h = entropy_src(lid, n);
    let sel = radix_select(lid, n, MODE_TYPICAL, P.typical_p);
    if (sel.y == 1u) {
      record_unchanged(lid, ob, 5u, count);
    } else {
      count = mask_stage(lid, n, ob, 5u, count, 2u, sel.x, NO_CUT, 0.0);
      count = norm_src(lid, n);
    }
  }

  if ((P.flags & F_EPS) != 0u) {
    count = mask_stage(lid, n, ob, 6u, count, 4u, 0u, NO_CUT, P.eps);
    count = norm_src(lid, n);
  }

  if ((P.flags & F_ETA) != 0u) {
    let h = entropy_src(lid, n);
    let eta = min(P.eta, sqrt(P.eta) * exp(-h));
    count = mask_stage(lid, n, ob, 7u, count, 4u, 0u, NO_CUT, eta);
    count = norm_src(lid, n);
  }

  let lnz = log(g_z);
  let k = min(dims.topk, MAX_TOPK);
  let cnt = topk_collect(lid, n, k);
  if (lid < cnt) {
    outw[ob + H_SIZE + 2u * k + lid] = tk_sorted_id[lid];
    outw[ob + H_SIZE + 3u * k + lid] = f2u(tk_sorted_val[lid] - g_m - lnz);
  }
  if (lid == 0u) {
    outw[ob + H_TEMPERATURE] = f2u(temp);
    outw[ob + H_PROC_M] = f2u(g_m);
    outw[ob + H_PROC_LNZ] = f2u(lnz);
    outw[ob + H_PROC_COUNT] = u32(count);
    outw[ob + H_PROC_TOP_N] = cnt;
  }
}

// Dense probabilities of the processed rows (keepProcessed / verification): p = exp(x - m - lnZ).
@compute @workgroup_size(256)
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
