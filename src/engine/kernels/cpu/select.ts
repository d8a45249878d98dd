/**
 * Partial selection helpers, so that large vocabularies (up to 262144) avoid full O(V log V) sorts
 * on the hot path.
 */

/** The k-th largest value (1-based) of `values[0..n)`, by in-place quickselect (values are permuted). */
export function kthLargest(values: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1; // index in descending order
  while (lo < hi) {
    // Median of three keeps adversarial (sorted) inputs from going quadratic.
    const mid = (lo + hi) >>> 1;
    const a = values[lo], b = values[mid], c = values[hi];
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

/**
 * The k best ids among `ids[0..n)` (ascending; or among 0..n-1 when `ids` is null) by descending
 * `scores[id]`, ties by ascending id, via a bounded min-heap: O(n log k), and in the usual case one
 * comparison per id (against the worst kept). Returned sorted best first.
 */
export function topIds(ids: ArrayLike<number> | null, n: number, k: number, scores: ArrayLike<number>): number[] {
  const size = heapTop(ids, n, k, scores);
  const out = Array.from(heap.subarray(0, size));
  return out.sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * The k-th largest of `scores[ids[j]]`, j < n (ids null: 0..n-1) (1-based, counting ties): the threshold of a top-k
 * cut. A bounded heap for small k (one comparison per id), quickselect on a scratch copy otherwise.
 */
export function kthLargestScore(scores: Float64Array, ids: Int32Array | null, n: number, k: number): number {
  if (k * 16 <= n) {
    heapTop(ids, n, k, scores);
    return scores[heap[0]];
  }
  const vals = scratch(0, n);
  for (let j = 0; j < n; j++) vals[j] = scores[ids === null ? j : ids[j]];
  return kthLargest(vals, n, k);
}

/** Reused heap storage (ids); grows to the largest k asked for. */
let heap = new Int32Array(64);

/**
 * Fills heap[0..size) with the k best ids as a min-heap on (score, -id): the root is the worst kept.
 * Returns size = min(k, n). `ids` must ascend (candidate lists do): then a later id scoring no more
 * than the root ranks below it (ties go to the lower id), so past the first k one comparison with
 * the root's score, kept in a local, rejects almost every id.
 */
function heapTop(ids: ArrayLike<number> | null, n: number, k: number, scores: ArrayLike<number>): number {
  if (k <= 0 || n <= 0) return 0;
  if (heap.length < k) heap = new Int32Array(Math.max(k, 2 * heap.length));
  const h = heap;
  const size = Math.min(k, n);
  let j = 0;
  for (; j < size; j++) {
    const id = ids === null ? j : ids[j];
    const v = scores[id];
    // Sift up.
    let i = j;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const hp = h[p];
      const sp = scores[hp];
      if (!(v < sp || (v === sp && id > hp))) break;
      h[i] = hp;
      i = p;
    }
    h[i] = id;
  }
  let rootScore = scores[h[0]];
  for (; j < n; j++) {
    const id = ids === null ? j : ids[j];
    const v = scores[id];
    // NaN fails this too (callers pass finite scores; it never enters).
    if (!(v > rootScore)) continue;
    // Replace the root and sift down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      let m = l;
      const r = l + 1;
      if (r < size) {
        const hl = h[l], hr = h[r];
        const sl = scores[hl], sr = scores[hr];
        if (sr < sl || (sr === sl && hr > hl)) m = r;
      }
      const hm = h[m];
      const sm = scores[hm];
      if (!(sm < v || (sm === v && hm > id))) break;
      h[i] = hm;
      i = m;
    }
    h[i] = id;
    rootScore = scores[h[0]];
  }
  return size;
}

/**
 * Reused f64 scratch arrays (slot 0..2) of at least n entries, so stages that need a working copy
 * of the candidates' values (top-k, top-p, typical-p) do not allocate one per row. A slot's content
 * is only valid until the next call for the same slot.
 */
export function scratch(slot: 0 | 1 | 2, n: number): Float64Array {
  let b = scratchSlots[slot];
  if (b.length < n) {
    b = new Float64Array(Math.max(n, 2 * b.length));
    scratchSlots[slot] = b;
  }
  return b;
}
const scratchSlots: Float64Array[] = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];

/**
 * Weighted quantile by three-way quickselect, O(n) expected: the smallest value v among
 * `values[0..n)` with W(<= v) >= target, where W sums `weights` (parallel array). Returns v and
 * W(< v), or null when the total weight never reaches the target (then nothing is cut).
 * Both arrays are permuted in place (pass scratch copies).
 *
 * Top-p and typical-p are both "walk a sorted order until the cumulative mass reaches a target";
 * this finds where the walk stops without sorting.
 */
export function weightedQuantile(
  values: Float64Array,
  weights: Float64Array,
  n: number,
  target: number,
): { value: number; below: number } | null {
  let lo = 0;
  let hi = n;
  let below = 0;
  while (lo < hi) {
    const a = values[lo], b = values[(lo + hi) >>> 1], c = values[hi - 1];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    // Dutch-flag partition: [lo, lt) < pivot, [lt, gt) == pivot, [gt, hi) > pivot.
    let lt = lo, i = lo, gt = hi;
    let mLess = 0, mEqual = 0;
    while (i < gt) {
      const v = values[i];
      if (v < pivot) {
        mLess += weights[i];
        swap(values, weights, i++, lt++);
      } else if (v > pivot) {
        swap(values, weights, i, --gt);
      } else {
        mEqual += weights[i];
        i++;
      }
    }
    if (below + mLess >= target && lt > lo) hi = lt;
    else if (below + mLess + mEqual >= target) return { value: pivot, below: below + mLess };
    else {
      below += mLess + mEqual;
      lo = gt;
    }
  }
  return null;
}

function swap(v: Float64Array, w: Float64Array, i: number, j: number): void {
  const tv = v[i]; v[i] = v[j]; v[j] = tv;
  const tw = w[i]; w[i] = w[j]; w[j] = tw;
}
