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
 * The k best ids among `ids` by descending `score(id)`, ties by ascending id, via a bounded
 * min-heap: O(n log k). Returned sorted best first.
 */
export function topIds(ids: ArrayLike<number>, n: number, k: number, score: (id: number) => number): number[] {
  if (k <= 0 || n <= 0) return [];
  const heap: number[] = []; // min-heap on (score, -id): root is the worst kept
  const worse = (a: number, b: number): boolean => {
    const sa = score(a), sb = score(b);
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      const t = heap[i]; heap[i] = heap[m]; heap[m] = t;
      i = m;
    }
  };
  for (let j = 0; j < n; j++) {
    const id = ids[j];
    if (heap.length < k) {
      heap.push(id);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i], heap[p])) break;
        const t = heap[i]; heap[i] = heap[p]; heap[p] = t;
        i = p;
      }
    } else if (worse(heap[0], id)) {
      heap[0] = id;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

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
