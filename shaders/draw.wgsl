// Inverse-CDF draws from kept distributions (a draft model's q when speculative tree drafting
// samples children): per request, `count` tokens, each the first token whose cumulative mass
// exceeds u times the total (tokens with q = 0 never come out; the last one with mass if rounding
// leaves the target past the end), optionally without replacement (each draw excludes the earlier
// ones: sequential sampling, the distribution of Gumbel-top-k). The host's reference is
// drawInverseCdf in src/engine/kernels/cpu/draws.ts, summing in f64: the sums here are
// double-f32 (hi + lo through error-free additions), so a boundary can differ from it only
// within ~1e-14 of the total, where f32 sums would differ within ~1e-7.
//
// One workgroup per request: every invocation sums one chunk of the row, then invocation 0 walks
// the chunk partials to the chunk holding the target and scans it (draws are sequential anyway).
//
// aux per request (stride dims.stride): row, count, flags (bit 0: without replacement), 0, then
// `count` uniforms as f32 bits. outw per request (stride 2 * dims.topk): tokens (0xffffffff =
// no mass left), then the q of each token as f32 bits.

const DRAW_HEAD: u32 = 4u;
const NONE: u32 = 0xffffffffu;

var<workgroup> d_hi: array<f32, MAX_WG>;
var<workgroup> d_lo: array<f32, MAX_WG>;
var<workgroup> d_drawn: array<u32, MAX_TOPK>;

// a + b = s.x + s.y exactly (Knuth's two-sum: no ordering assumption).
fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}

fn df_add(x: vec2<f32>, y: vec2<f32>) -> vec2<f32> {
  let s = two_sum(x.x, y.x);
  return two_sum(s.x, s.y + x.y + y.y);
}

fn df_mul(x: vec2<f32>, u: f32) -> vec2<f32> {
  let p = x.x * u;
  return two_sum(p, fma(x.x, u, -p) + x.y * u);
}

fn df_gt(a: vec2<f32>, b: vec2<f32>) -> bool {
  return a.x > b.x || (a.x == b.x && a.y > b.y);
}

fn drawn_before(i: u32, k: u32) -> bool {
  for (var j = 0u; j < k; j++) {
    if (d_drawn[j] == i) { return true; }
  }
  return false;
}

@compute @workgroup_size(WG)
fn draw_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ab = wid.x * dims.stride;
  let n = dims.vocab;
  let base = aux[ab] * n;
  let count = aux[ab + 1u];
  let wor = (aux[ab + 2u] & 1u) != 0u;
  let ob = wid.x * 2u * dims.topk;
  let chunk = (n + WG - 1u) / WG;

  var part = vec2<f32>(0.0, 0.0);
  let lo = min(lid * chunk, n);
  let hi = min(lo + chunk, n);
  for (var i = lo; i < hi; i++) {
    let q = auxf[base + i];
    if (q > 0.0) { part = df_add(part, vec2<f32>(q, 0.0)); }
  }
  d_hi[lid] = part.x;
  d_lo[lid] = part.y;
  workgroupBarrier();
  if (lid != 0u) { return; }

  for (var k = 0u; k < count; k++) {
    var total = vec2<f32>(0.0, 0.0);
    for (var t = 0u; t < WG; t++) { total = df_add(total, vec2<f32>(d_hi[t], d_lo[t])); }
    let goal = df_mul(total, bitcast<f32>(aux[ab + DRAW_HEAD + k]));
    var run = vec2<f32>(0.0, 0.0);
    var c = 0u;
    loop {
      if (c >= WG) { break; }
      let next = df_add(run, vec2<f32>(d_hi[c], d_lo[c]));
      if (df_gt(next, goal)) { break; }
      run = next;
      c++;
    }
    var pick = NONE;
    if (c < WG) {
      let e = min(c * chunk + chunk, n);
      for (var i = c * chunk; i < e; i++) {
        let q = auxf[base + i];
        if (!(q > 0.0) || (wor && drawn_before(i, k))) { continue; }
        run = df_add(run, vec2<f32>(q, 0.0));
        if (df_gt(run, goal)) {
          pick = i;
          break;
        }
      }
    }
    if (pick == NONE) {
      // Rounding left the target at or past the total: the last token with mass.
      for (var i = n; i > 0u; i--) {
        let q = auxf[base + i - 1u];
        if (q > 0.0 && !(wor && drawn_before(i - 1u, k))) {
          pick = i - 1u;
          break;
        }
      }
    }
    outw[ob + k] = pick;
    if (pick == NONE) {
      outw[ob + dims.topk + k] = 0u;
      continue;
    }
    let q = auxf[base + pick];
    outw[ob + dims.topk + k] = bitcast<u32>(q);
    if (wor) {
      d_drawn[k] = pick;
      let t = pick / chunk;
      let left = df_add(vec2<f32>(d_hi[t], d_lo[t]), vec2<f32>(-q, 0.0));
      d_hi[t] = left.x;
      d_lo[t] = left.y;
    }
  }
}
