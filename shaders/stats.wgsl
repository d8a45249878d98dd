// Raw-distribution statistics, one workgroup per row: sanitation flags, max, log-sum-exp, entropy,
// varentropy and the display top-k of softmax(sanitized logits). Runs first in a step: the process
// and sample kernels read the flags and normalizer it leaves in the row header.

@compute @workgroup_size(WG)
fn stats_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  let n = dims.vocab;
  let ob = row * dims.stride;
  g_in_base = dims.in_offset + row * n;
  g_row_base = row * n;
  g_pinf = false;
  g_degen = false;

  // Sanitation flags need the whole row first: any +inf, any finite logit.
  var pinf = 0.0;
  var fin = 0.0;
  for (var i = lid; i < n; i += WG) {
    let b = bitcast<u32>(load_logit(g_in_base + i));
    if (is_pinf_bits(b)) { pinf = 1.0; }
    if (!is_nan_bits(b) && !is_inf_bits(b)) { fin = 1.0; }
  }
  let flags = wg_sum2(lid, pinf, fin);
  g_pinf = flags.x > 0.0;
  g_degen = !g_pinf && flags.y == 0.0;

  g_src = 1u;
  norm_src(lid, n);
  let lnz = log(g_z);
  let h = entropy_src(lid, n);
  var ve = 0.0;
  for (var i = lid; i < n; i += WG) {
    let v = src_value(i);
    if (v != SENTINEL) {
      let lp = v - g_m - lnz;
      let p = exp(lp);
      if (p > 0.0) { ve += p * (lp + h) * (lp + h); }
    }
  }
  let varent = wg_sum(lid, ve);

  let k = min(dims.topk, MAX_TOPK);
  let cnt = top_of_source(lid, n, k);
  if (lid < cnt) {
    outw[ob + H_SIZE + lid] = tk_sorted_id[lid];
    outw[ob + H_SIZE + k + lid] = f2u(tk_sorted_val[lid] - g_m - lnz);
  }
  if (lid == 0u) {
    outw[ob + H_ENTROPY] = f2u(max(0.0, h));
    outw[ob + H_VARENTROPY] = f2u(varent);
    outw[ob + H_DEGENERATE] = select(0u, 1u, g_degen);
    outw[ob + H_PINF] = select(0u, 1u, g_pinf);
    outw[ob + H_RAW_M] = f2u(g_m);
    outw[ob + H_RAW_LNZ] = f2u(lnz);
    outw[ob + H_RAW_TOP_N] = cnt;
  }
}
