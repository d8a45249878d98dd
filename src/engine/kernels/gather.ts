/** `gatherRows` on the host: the checks both backends apply, and the copy of rows held in JavaScript. */

/** The row list of a `gatherRows` call: at least one row, each an index of the source logits. */
export function checkGatherRows(rows: readonly number[], sourceRows: number): void {
  if (rows.length === 0) throw new RangeError('gatherRows needs at least one row');
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= sourceRows) throw new RangeError(`gatherRows: row ${r} is not in 0..${sourceRows - 1}`);
  }
}

/** Rows `rows` of row-major [sourceRows, vocab] `data`, copied in order into a new array of the same type. */
export function gatherRowData<T extends Float32Array | Float64Array>(data: T, vocab: number, rows: readonly number[], sourceRows: number): T {
  checkGatherRows(rows, sourceRows);
  const out = (data instanceof Float64Array ? new Float64Array(rows.length * vocab) : new Float32Array(rows.length * vocab)) as T;
  rows.forEach((r, i) => out.set(data.subarray(r * vocab, (r + 1) * vocab), i * vocab));
  return out;
}
