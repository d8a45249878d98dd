// Token choice per row, after stats and process in the same submit: Gumbel-max sampling
// (argmax of logq_i + g_i, g_i = rng_gumbel(seed, step, purpose, i), over processed candidates),
// greedy argmax (lowest id on ties) or a forced token (Analyze mode, branching); then the chosen
// token's processed prob, raw logprob and raw rank (tokens with a strictly larger raw logit), so
// the host reads a few words, never the row.

@compute @workgroup_size(WG)
fn sample_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  let n = dims.vocab;
  let ob = row * dims.stride;
  let P = params[row];
  if ((P.flags & F_CHOOSE_NONE) != 0u) {
    if (lid == 0u) { outw[ob + H_TOKEN] = 0xffffffffu; }
    return;
  }
  g_in_base = dims.in_offset + row * n;
  g_row_base = row * n;
  g_pinf = outw[ob + H_PINF] == 1u;
  g_degen = outw[ob + H_DEGENERATE] == 1u;
  let m = u2f(outw[ob + H_PROC_M]);
  let lnz = u2f(outw[ob + H_PROC_LNZ]);
  let greedy = (P.flags & F_CHOOSE_GREEDY) != 0u;
  let force = (P.flags & F_CHOOSE_FORCE) != 0u;

  var best_v = SENTINEL;
  var best_i = 0xffffffffu;
  for (var i = lid; i < n && !force; i += WG) {
    let v = xbuf[g_row_base + i];
    if (v != SENTINEL) {
      // logq = (v - m) - lnZ: subtracting the max first keeps the small numbers exact-ish in f32.
      var key = v;
      if (!greedy) { key = (v - m) - lnz + rng_gumbel(P.seed, P.step, P.purpose, i); }
      if (best_i == 0xffffffffu || key > best_v) {
        best_v = key;
        best_i = i;
      }
    }
  }
  var tok = wg_argmax(lid, best_v, best_i);
  if (force) { tok = P.purpose; }

  // Raw rank: strictly larger sanitized raw logits.
  let rv = raw_value(tok);
  var gt = 0.0;
  for (var i = lid; i < n; i += WG) {
    if (raw_value(i) > rv) { gt += 1.0; }
  }
  let rank = wg_sum(lid, gt);
  if (lid == 0u) {
    let xv = xbuf[g_row_base + tok];
    let rlp = rv - u2f(outw[ob + H_RAW_M]) - u2f(outw[ob + H_RAW_LNZ]);
    outw[ob + H_TOKEN] = tok;
    outw[ob + H_PROC_PROB] = f2u(select(0.0, exp(xv - m - lnz), xv != SENTINEL));
    outw[ob + H_RAW_RANK] = u32(rank);
    outw[ob + H_RAW_LOGPROB] = f2u(rlp);
    outw[ob + H_RAW_PROB] = f2u(exp(rlp));
  }
}
