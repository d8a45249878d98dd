/**
 * The part of a draft tree the chart draws, so that every label has room at any width and depth
 * the config allows (up to 8 children per node, 16 levels, 64 nodes): the verified path is
 * expanded (the root and every accepted node show their children), a node with a single child
 * shows it (a chain adds no rows), and other subtrees fold into their top node with a "+N below"
 * count. Of an expanded node's children the path ones (accepted, rejected) come first, then by
 * draft probability; beyond the top few the rest pool into one "+N more" node.
 */
import type { TreeDatum } from './speculative.ts';

export interface ShownNode {
  kind: 'root' | 'node' | 'more';
  /** The drafted node (kind 'node' and 'root'). */
  datum?: TreeDatum;
  /** kind 'more': the siblings it stands for. */
  pooled: TreeDatum[];
  /** Drafted nodes under this one that are not drawn (for 'more': the pooled nodes and their subtrees). */
  hidden: number;
  children: ShownNode[];
}

/** Children shown per expanded node before pooling the rest (a pool of one is shown instead). */
export const MAX_SHOWN_CHILDREN = 3;

const STATUS_ORDER: Record<TreeDatum['status'], number> = { accepted: 0, rejected: 1, unverified: 2, root: 3 };

export function legibleTree(root: TreeDatum, maxShown = MAX_SHOWN_CHILDREN): ShownNode {
  const show = (d: TreeDatum, kind: 'root' | 'node'): ShownNode => {
    const expand = kind === 'root' || d.status === 'accepted' || d.children.length === 1;
    if (!expand) return { kind, datum: d, pooled: [], hidden: descendants(d), children: [] };
    const kids = [...d.children].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.q - a.q || b.p - a.p || a.id - b.id);
    const shown = kids.length <= maxShown + 1 ? kids : kids.slice(0, maxShown);
    const pooled = kids.slice(shown.length);
    const children = shown.map((c) => show(c, 'node'));
    if (pooled.length) children.push({ kind: 'more', pooled, hidden: pooled.reduce((s, c) => s + 1 + descendants(c), 0), children: [] });
    return { kind, datum: d, pooled: [], hidden: 0, children };
  };
  return show(root, 'root');
}

/** Drafted nodes below `d`. */
export function descendants(d: TreeDatum): number {
  return d.children.reduce((s, c) => s + 1 + descendants(c), 0);
}
