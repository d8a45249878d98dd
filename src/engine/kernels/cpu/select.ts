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
 * The k best of (id, score) pairs offered in ascending id order, by descending score, ties by
 * ascending id: a bounded min-heap on (score, -id) whose root is the worst kept. Offers scoring no
 * more than `floor` cannot enter (a later id ties below an earlier one), so a pass over a row tests
 * `v > floor` inline and calls `offer` for the few that pass: one comparison per id, which lets the
 * raw top list ride along the load pass instead of a pass of its own. NaN never passes.
 */
export class TopHeap {
  /** The score an offer must exceed: -inf until k are held, then the worst kept (+inf for k = 0). */
  floor = Infinity;
  /** How many it keeps. */
  k = 0;
  private heldCount = 0;
  private ids = new Int32Array(16);
  private vals = new Float64Array(16);

  /** How many it holds (k once k were offered). */
  get size(): number {
    return this.heldCount;
  }

  /** Empties the heap for the best `k`. */
  reset(k: number): this {
    this.k = Math.max(0, k);
    this.heldCount = 0;
    if (this.ids.length < this.k) {
      this.ids = new Int32Array(this.k);
      this.vals = new Float64Array(this.k);
    }
    this.floor = this.k > 0 ? -Infinity : Infinity;
    return this;
  }

  /** Adds an offer that passed `v > floor`; returns the new floor. */
  offer(id: number, v: number): number {
    const { ids, vals } = this;
    if (this.heldCount < this.k) {
      // Sift up toward the root (the worst): a later id ranks below an equal score, so it climbs
      // over ties too.
      let i = this.heldCount++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!(v <= vals[p])) break;
        ids[i] = ids[p];
        vals[i] = vals[p];
        i = p;
      }
      ids[i] = id;
      vals[i] = v;
      if (this.heldCount === this.k) this.floor = vals[0];
      return this.floor;
    }
    this.siftDown(this.heldCount, id, v);
    this.floor = vals[0];
    return this.floor;
  }

  /**
   * The kept ids, best first; empties the heap. Pops the root (the worst left) into the back of the
   * list: the heap's order is total (score, then id), so no comparator sort is needed.
   */
  sorted(): number[] {
    const { ids, vals } = this;
    const out: number[] = new Array(this.heldCount);
    for (let m = this.heldCount - 1; m >= 0; m--) {
      out[m] = ids[0];
      if (m > 0) this.siftDown(m, ids[m], vals[m]);
    }
    this.reset(this.k);
    return out;
  }

  /** Puts (id, v) at the root of the first `size` entries and sifts it down to its place. */
  private siftDown(size: number, id: number, v: number): void {
    const { ids, vals } = this;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      let m = l;
      const r = l + 1;
      if (r < size && (vals[r] < vals[l] || (vals[r] === vals[l] && ids[r] > ids[l]))) m = r;
      if (!(vals[m] < v || (vals[m] === v && ids[m] > id))) break;
      ids[i] = ids[m];
      vals[i] = vals[m];
      i = m;
    }
    ids[i] = id;
    vals[i] = v;
  }
}

/** Reused by topIds and kthLargestScore, which are done with it before they return. */
const shared = new TopHeap();

/** Offers `ids[0..n)` (ascending; 0..n-1 when null) with their scores to a heap for the best k. */
export function fill(heap: TopHeap, ids: ArrayLike<number> | null, n: number, k: number, scores: ArrayLike<number>): TopHeap {
  let floor = heap.reset(k).floor;
  for (let j = 0; j < n; j++) {
    const id = ids === null ? j : ids[j];
    const v = scores[id];
    if (v > floor) floor = heap.offer(id, v);
  }
  return heap;
}

/**
 * The k best ids among `ids[0..n)` (ascending; or among 0..n-1 when `ids` is null) by descending
 * `scores[id]`, ties by ascending id (TopHeap): O(n log k), in the usual case one comparison per
 * id. Returned sorted best first.
 */
export function topIds(ids: ArrayLike<number> | null, n: number, k: number, scores: ArrayLike<number>): number[] {
  return fill(shared, ids, n, k, scores).sorted();
}

/**
 * The k-th largest of `scores[ids[j]]`, j < n (ids null: 0..n-1; ascending) (1-based, counting
 * ties): the threshold of a top-k cut. A bounded heap for small k, quickselect on a scratch copy
 * otherwise.
 */
export function kthLargestScore(scores: Float64Array, ids: Int32Array | null, n: number, k: number): number {
  if (k * 16 <= n) return fill(shared, ids, n, k, scores).floor;
  const vals = scratch(0, n);
  for (let j = 0; j < n; j++) vals[j] = scores[ids === null ? j : ids[j]];
  return kthLargest(vals, n, k);
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
