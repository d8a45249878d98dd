// Speculative chain verification in one workgroup, after stats + process have turned the K + 1
// target rows into processed logits (xbuf) with their normalizers in the row headers.
// Bindings: draft_q = the K draft distributions q, packed [K, V] by the host with buffer copies;
// aux = draft tokens [K] then optional uniforms [K] (f32 bits); auxf = the next token's
// distribution [V] (kept for readProbs / keepNext and the residual top-k).
// Rule (types.ts, cpu/speculative.ts): accept x_i while u_i < min(1, p_i(x_i) / q_i(x_i))
// (q = 0: ratio 1 if p > 0 else 0); at the first rejection n draw from normalize(max(0, p_n - q_n))
// (p_n if that has no mass) with purpose 'residual'; if all K pass, draw the bonus from p_K.
// Greedy: accept while argmax p_i == x_i, next = argmax p_n (or p_K).

// Result block (words from dims.res_off): accepted, next token, kind (0 residual, 1 bonus),
// residual top count, then K x (p, q, u, accepted), then k residual top ids and k probs.
const R_POS: u32 = 4u;

// Draft distributions, [rows, V] f32 (chain: row i = q_i; tree: row j = q at node j).
@group(0) @binding(8) var<storage, read> draft_q: array<f32>;

fn p_of(row: u32, tok: u32) -> f32 {
  let ob = row * dims.stride;
  let v = xbuf[row * dims.vocab + tok];
  return select(0.0, exp(v - u2f(outw[ob + H_PROC_M]) - u2f(outw[ob + H_PROC_LNZ])), v != SENTINEL);
}

// Argmax of a processed target row (lowest id on ties); uniform result.
fn row_argmax(lid: u32, row: u32) -> u32 {
  let n = dims.vocab;
  var best_v = SENTINEL;
  var best_i = 0xffffffffu;
  for (var i = lid; i < n; i += WG) {
    let v = xbuf[row * n + i];
    if (v != SENTINEL && (best_i == 0xffffffffu || v > best_v)) {
      best_v = v;
      best_i = i;
    }
  }
  return wg_argmax(lid, best_v, best_i);
}

@compute @workgroup_size(WG)
fn verify_chain_main(@builtin(local_invocation_index) lid: u32) {
  let n = dims.vocab;
  let K = dims.k_draft;
  let rb = dims.res_off;
  let greedy = (dims.vflags & 2u) != 0u;
  let given_u = (dims.vflags & 1u) != 0u;
  g_pinf = false;
  g_degen = false;

  var accepted = K;
  var rejected = false;
  for (var i = 0u; i < K; i++) {
    let tok = aux[i];
    var best = 0u;
    if (greedy) { best = row_argmax(lid, i); }
    if (lid == 0u) {
      let p = p_of(i, tok);
      let q = draft_q[i * n + tok];
      var ok = false;
      var u = u2f(0x7fc00000u); // NaN in greedy mode, as the CPU reference reports
      if (greedy) {
        ok = best == tok;
      } else {
        u = select(rng_uniform(dims.seed, dims.step, dims.p_accept, i), u2f(aux[K + i]), given_u);
        var ratio = select(0.0, 1.0, p > 0.0);
        if (q > 0.0) { ratio = p / q; }
        ok = u < min(1.0, ratio);
      }
      let o = rb + R_POS + 4u * i;
      outw[o] = f2u(p);
      outw[o + 1u] = f2u(q);
      outw[o + 2u] = f2u(u);
      outw[o + 3u] = select(0u, 1u, ok);
      sh4 = vec4<u32>(select(0u, 1u, ok), 0u, 0u, 0u);
    }
    let ok = workgroupUniformLoad(&sh4).x == 1u;
    if (!ok) {
      accepted = i;
      rejected = true;
      break;
    }
  }

  // The next token's distribution into auxf.
  let row = accepted;
  var use_residual = rejected && !greedy;
  if (use_residual) {
    var s = 0.0;
    for (var j = lid; j < n; j += WG) {
      let d = p_of(row, j) - draft_q[row * n + j];
      if (d > 0.0) { s += d; }
    }
    let total = wg_sum(lid, s);
    if (total > 0.0) {
      let inv = 1.0 / total;
      for (var j = lid; j < n; j += WG) {
        let d = p_of(row, j) - draft_q[row * n + j];
        auxf[j] = select(0.0, d * inv, d > 0.0);
      }
    } else {
      for (var j = lid; j < n; j += WG) { auxf[j] = p_of(row, j); }
    }
  } else {
    for (var j = lid; j < n; j += WG) { auxf[j] = p_of(row, j); }
  }
  storageBarrier();

  var next = 0u;
  if (greedy) {
    next = row_argmax(lid, row);
  } else {
    let purpose = select(dims.p_bonus, dims.p_residual, rejected);
    var best_v = SENTINEL;
    var best_i = 0xffffffffu;
    for (var j = lid; j < n; j += WG) {
      let r = auxf[j];
      if (r > 0.0) {
        let key = log(r) + rng_gumbel(dims.seed, dims.step, purpose, j);
        if (best_i == 0xffffffffu || key > best_v) {
          best_v = key;
          best_i = j;
        }
      }
    }
    next = wg_argmax(lid, best_v, best_i);
  }

  var cnt = 0u;
  let k = min(dims.topk, MAX_TOPK);
  if (use_residual) {
    g_src = 2u;
    g_aux_base = 0u;
    cnt = top_of_source(lid, n, k);
    if (lid < cnt) {
      outw[rb + R_POS + 4u * K + lid] = tk_sorted_id[lid];
      outw[rb + R_POS + 4u * K + k + lid] = f2u(tk_sorted_val[lid]);
    }
  }
  if (lid == 0u) {
    outw[rb] = accepted;
    outw[rb + 1u] = next;
    outw[rb + 2u] = select(1u, 0u, rejected);
    outw[rb + 3u] = cnt;
  }
}

// ---- Tree verification (SpecInfer-style recursive rejection), one workgroup, one dispatch ----
// Contract: types.ts "Tree (multi-draft) speculative verification" (node 0 = root, children in
// ascending id, u keyed by node id). Node j > 0 carries draft token tok[j]; target row j (xbuf)
// is p after the path root..j; q rows (draft_q) are packed by node id [N, V].
// aux: tok[N], child_start[N], child_count[N], children[N] (ascending id per parent),
// uniforms[N] (f32 bits, vflags bit 0), then the context ids.
// auxf: [0, V) current p (ends as the next token's distribution), [V, 2V) current q.
// vflags: bit 0 uniforms given, bit 1 greedy, bit 2 siblings without replacement (q drops each
// rejected token, renormalized), bit 3 deterministic drafts (q = one-hot at the token: accept with
// p(x), residual = p without x; q rows are not read).
// Result block: accepted depth, next token, kind (0 residual, 1 bonus), examined count, path node
// ids [N], per examined child (node, p, q, u, accepted) [5 N], residual top ids [k], probs [k],
// each node's processed target probability at its parent [N] (root: unset), then the row blocks of
// the path's rows (root, then each accepted node; dims.stride words each): the host reads this
// block only, never a row block per node.

fn tree_load(lid: u32, node: u32, with_q: bool) {
  let n = dims.vocab;
  for (var j = lid; j < n; j += WG) {
    auxf[j] = p_of(node, j);
    if (with_q) { auxf[n + j] = draft_q[node * n + j]; }
  }
  storageBarrier();
}

@compute @workgroup_size(WG)
fn verify_tree_main(@builtin(local_invocation_index) lid: u32) {
  let n = dims.vocab;
  let N = dims.k_draft;
  let rb = dims.res_off;
  let given_u = (dims.vflags & 1u) != 0u;
  let greedy = (dims.vflags & 2u) != 0u;
  let without_repl = (dims.vflags & 4u) != 0u;
  let det = (dims.vflags & 8u) != 0u;
  g_pinf = false;
  g_degen = false;
  let path_at = rb + 4u;
  let pos_at = rb + 4u + N;

  var node = 0u;
  var depth = 0u;
  var examined = 0u;
  var rejected_any = false;
  for (var guard = 0u; guard < N; guard++) {
    let c0 = aux[N + node];
    let cn = aux[2u * N + node];
    rejected_any = false;
    if (cn == 0u) { break; } // a leaf: bonus from p_leaf
    var best = 0u;
    if (greedy) { best = row_argmax(lid, node); }
    tree_load(lid, node, !det);
    var next_node = NO_CUT;
    for (var ci = 0u; ci < cn; ci++) {
      let c = aux[3u * N + c0 + ci];
      let x = aux[c];
      if (lid == 0u) {
        let p = auxf[x];
        let q = select(auxf[n + x], 1.0, det);
        var ok = false;
        var u = u2f(0x7fc00000u);
        if (greedy) {
          ok = best == x;
        } else {
          u = select(rng_uniform(dims.seed, dims.step, dims.p_accept, c), u2f(aux[4u * N + c]), given_u);
          var ratio = select(0.0, 1.0, p > 0.0);
          if (q > 0.0) { ratio = p / q; }
          ok = u < min(1.0, ratio);
        }
        let o = pos_at + 5u * (examined + ci);
        outw[o] = c;
        outw[o + 1u] = f2u(p);
        outw[o + 2u] = f2u(q);
        outw[o + 3u] = f2u(u);
        outw[o + 4u] = select(0u, 1u, ok);
        sh4 = vec4<u32>(select(0u, 1u, ok), 0u, 0u, 0u);
      }
      let ok = workgroupUniformLoad(&sh4).x == 1u;
      if (ok) {
        next_node = c;
        examined += ci + 1u;
        break;
      }
      if (!greedy) {
        // Residual after rejecting x: p <- normalize(max(0, p - q_c)); q <- q without x (optional).
        var s = 0.0;
        var sq = 0.0;
        for (var j = lid; j < n; j += WG) {
          let qj = select(auxf[n + j], select(0.0, 1.0, j == x), det);
          let d = auxf[j] - qj;
          if (d > 0.0) { s += d; }
          if (without_repl && j != x) { sq += qj; }
        }
        let tot = wg_sum2(lid, s, sq);
        for (var j = lid; j < n; j += WG) {
          let qj = select(auxf[n + j], select(0.0, 1.0, j == x), det);
          let d = auxf[j] - qj;
          if (tot.x > 0.0) { auxf[j] = select(0.0, d / tot.x, d > 0.0); }
          if (without_repl && !det) { auxf[n + j] = select(select(0.0, qj / tot.y, tot.y > 0.0), 0.0, j == x); }
        }
        storageBarrier();
      }
      if (ci + 1u == cn) {
        examined += cn;
        rejected_any = true;
      }
    }
    if (next_node == NO_CUT) { break; }
    if (lid == 0u) { outw[path_at + depth] = next_node; }
    depth += 1u;
    node = next_node;
  }

  // Next token's distribution: the residual left at a fully rejected node, else p at the leaf.
  if (!rejected_any) { tree_load(lid, node, false); }
  var next = 0u;
  if (greedy) {
    next = row_argmax(lid, node);
  } else {
    let purpose = select(dims.p_bonus, dims.p_residual, rejected_any);
    var best_v = SENTINEL;
    var best_i = NO_CUT;
    for (var j = lid; j < n; j += WG) {
      let r = auxf[j];
      if (r > 0.0) {
        let key = log(r) + rng_gumbel(dims.seed, dims.step, purpose, j);
        if (best_i == NO_CUT || key > best_v) {
          best_v = key;
          best_i = j;
        }
      }
    }
    next = wg_argmax(lid, best_v, best_i);
  }
  var cnt = 0u;
  let k = min(dims.topk, MAX_TOPK);
  if (rejected_any && !greedy) {
    g_src = 2u;
    g_aux_base = 0u;
    cnt = top_of_source(lid, n, k);
    let at = pos_at + 5u * N;
    if (lid < cnt) {
      outw[at + lid] = tk_sorted_id[lid];
      outw[at + k + lid] = f2u(tk_sorted_val[lid]);
    }
  }
  if (lid == 0u) {
    outw[rb] = depth;
    outw[rb + 1u] = next;
    outw[rb + 2u] = select(1u, 0u, rejected_any);
    outw[rb + 3u] = examined | (cnt << 16u);
  }
  let np_at = pos_at + 5u * N + 2u * dims.topk;
  for (var u = lid; u < N; u += WG) {
    let c0 = aux[N + u];
    for (var ci = 0u; ci < aux[2u * N + u]; ci++) {
      let c = aux[3u * N + c0 + ci];
      outw[np_at + c] = f2u(p_of(u, aux[c]));
    }
  }
  storageBarrier();
  let rows_at = np_at + N;
  let S = dims.stride;
  for (var i = lid; i < (depth + 1u) * S; i += WG) {
    let d = i / S;
    var row = 0u;
    if (d > 0u) { row = outw[path_at + d - 1u]; }
    outw[rows_at + i] = outw[row * S + i % S];
  }
}
