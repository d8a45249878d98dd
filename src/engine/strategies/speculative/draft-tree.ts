/**
 * A draft tree in TreeVerifyRequest layout: node 0 = the root (the last committed token), parents
 * before children. Every proposer (draft model, prompt lookup, Token Recycling) builds one and
 * SpecSession.verify checks it with one target pass.
 */
import type { ProbsHandle, ProbsRef } from '../../kernels/types.ts';

/**
 * How the children were drawn: i.i.d. from q, from q without replacement, or chosen outright
 * (one-hot drafts, q(x) = 1). It selects the verification rule.
 */
export type DraftMode = 'iid' | 'without-replacement' | 'deterministic';

/** The rows of the batched target pass over a tree, and where each node's logits are in them. */
export interface TargetRows {
  /** One row per leaf: the committed tokens the target has not seen, then the leaf's path padded to the deepest leaf. */
  rows: number[][];
  /** Logits kept per row: one per drafted depth, plus the root's. */
  keep: number;
  /** The row whose path runs through each node (the first one found; -1 for duplicate siblings). */
  rowOf: number[];
}

/** The one-row target pass over a tree through a tree attention mask (ModelRunner.forward with `parents`). */
export interface MaskedRow {
  /** The committed tokens the target has not seen (the root last), then the tree's first copies in depth-first pre-order. */
  tokens: number[];
  /** Each token's parent index in `tokens` (-1 for the first, which follows the past). */
  parents: number[];
  /** Index in `tokens` of each node (a duplicate sibling: its first copy's). */
  indexOf: number[];
  /** Logits kept: the root's, then every first copy's. */
  keep: number;
}

/** Most nodes a draft tree may hold (root excluded), and most per depth: bounds the target batch. */
export const TREE_NODE_BUDGET = 64;
export const TREE_LEVEL_CAP = 16;

export class DraftTree {
  parents: number[] = [-1];
  tokens: number[];
  depth: number[] = [0];
  /** Draft distribution each node's children were drawn from (draft-model trees). */
  q: (ProbsRef | undefined)[] = [undefined];
  /** Draft probability of each node's token (1 for deterministic drafts, NaN for the root). */
  qProb: number[] = [NaN];
  /** A duplicate sibling (same parent and token) shares the first copy's target row: its id, else itself. */
  same: number[] = [0];
  /** Handles to dispose after verification. */
  handles: ProbsHandle[] = [];

  constructor(
    root: number,
    readonly mode: DraftMode,
  ) {
    this.tokens = [root];
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Adds a child; one-hot (deterministic) drafts have q(x) = 1. */
  add(parent: number, token: number, qProb = this.mode === 'deterministic' ? 1 : NaN): number {
    const id = this.tokens.length;
    let same = id;
    for (let j = 1; j < id; j++) if (this.parents[j] === parent && this.tokens[j] === token) same = this.same[j];
    this.parents.push(parent);
    this.tokens.push(token);
    this.depth.push(this.depth[parent] + 1);
    this.q.push(undefined);
    this.qProb.push(qProb);
    this.same.push(same);
    return id;
  }

  /** Tokens on the path root..n (root excluded). */
  path(n: number): number[] {
    const out: number[] = [];
    for (let u = n; u > 0; u = this.parents[u]) out.push(this.tokens[u]);
    return out.reverse();
  }

  /**
   * The target rows verifying this tree after the `pending` committed tokens: one per leaf (a
   * first copy without a first-copy child), its root-to-leaf path padded to the deepest leaf by
   * repeating the leaf token; one row of `pending` alone for a bare root.
   */
  targetRows(pending: number[]): TargetRows {
    const hasChild = new Array<boolean>(this.size).fill(false);
    for (let j = 1; j < this.size; j++) if (this.same[j] === j) hasChild[this.parents[j]] = true;
    const leaves: number[] = [];
    for (let j = 1; j < this.size; j++) if (this.same[j] === j && !hasChild[j]) leaves.push(j);
    const maxDepth = leaves.reduce((m, j) => Math.max(m, this.depth[j]), 0);
    const rows =
      leaves.length === 0
        ? [pending]
        : leaves.map((l) => {
            const path = this.path(l);
            while (path.length < maxDepth) path.push(this.tokens[l]);
            return [...pending, ...path];
          });
    const rowOf = new Array<number>(this.size).fill(-1);
    rowOf[0] = 0;
    leaves.forEach((l, r) => {
      for (let u = l; u > 0; u = this.parents[u]) if (rowOf[u] < 0) rowOf[u] = r;
    });
    return { rows, keep: maxDepth + 1, rowOf };
  }

  /** The tree as one row after the `pending` committed tokens (the root is the last of them), for a masked pass. */
  maskedRow(pending: number[]): MaskedRow {
    const children: number[][] = this.tokens.map(() => []);
    for (let j = 1; j < this.size; j++) if (this.same[j] === j) children[this.same[this.parents[j]]].push(j);
    const tokens = pending.slice();
    const parents = pending.map((_, i) => i - 1);
    const indexOf = new Array<number>(this.size).fill(-1);
    indexOf[0] = pending.length - 1;
    const visit = (u: number) => {
      for (const c of children[u]) {
        indexOf[c] = tokens.length;
        tokens.push(this.tokens[c]);
        parents.push(indexOf[u]);
        visit(c);
      }
    };
    visit(0);
    for (let j = 1; j < this.size; j++) indexOf[j] = indexOf[this.same[j]];
    return { tokens, parents, indexOf, keep: tokens.length - pending.length + 1 };
  }

  isChain(): boolean {
    return this.parents.every((p, j) => p === j - 1);
  }

  maxDepth(): number {
    return Math.max(0, ...this.depth);
  }
}
