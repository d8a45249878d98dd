import type { KvCache } from './kv-cache.ts';

/** Token history and KV cache of one or more equal-length rows. */
export class Sequence {
  constructor(
    readonly cache: KvCache,
    private ids: number[][],
  ) {}

  get rows(): number {
    return this.ids.length;
  }
  get length(): number {
    return this.cache.length;
  }
  tokens(row = 0): readonly number[] {
    return this.ids[row];
  }
  append(tokens: number[][]): void {
    tokens.forEach((r, b) => this.ids[b].push(...r));
  }
  /** Rolls every row back to `length` tokens (rejected drafts, finished lookahead). */
  truncate(length: number): void {
    this.cache.truncate(length);
    this.ids = this.ids.map((r) => r.slice(0, length));
  }
  /** Keeps only the given positions, in order (the accepted path of a tree verified in one pass). */
  keepPositions(positions: number[]): void {
    this.cache.keepPositions(positions);
    this.ids = this.ids.map((r) => positions.map((p) => r[p]));
  }
  /** Reorders / duplicates rows (beam search, forking trials from one prefix). */
  gatherRows(rows: number[]): void {
    this.cache.gatherRows(rows);
    this.ids = rows.map((r) => this.ids[r].slice());
  }
  dispose(): void {
    this.cache.dispose();
  }
}
