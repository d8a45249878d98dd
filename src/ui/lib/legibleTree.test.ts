import { describe, expect, it } from 'vitest';
import { legibleTree, type ShownNode } from './legibleTree.ts';
import type { TreeDatum } from './speculative.ts';

let nextId = 0;
function node(status: TreeDatum['status'], q: number, children: TreeDatum[] = []): TreeDatum {
  return { id: nextId++, text: `t${nextId}`, p: q, q, status, children };
}
/** A full tree of `width` children per node and `depth` levels, all unverified. */
function full(width: number, depth: number): TreeDatum[] {
  if (depth === 0) return [];
  return Array.from({ length: width }, (_, i) => node('unverified', 1 / (i + 2), full(width, depth - 1)));
}
function count(n: ShownNode, f: (n: ShownNode) => boolean): number {
  return (f(n) ? 1 : 0) + n.children.reduce((s, c) => s + count(c, f), 0);
}
const leaves = (n: ShownNode) => count(n, (x) => x.children.length === 0);
const drawn = (n: ShownNode): number => (n.kind === 'node' ? 1 : 0) + n.children.reduce((s, c) => s + drawn(c), 0);
const hiddenTotal = (n: ShownNode): number => n.hidden + n.children.reduce((s, c) => s + hiddenTotal(c), 0);

describe('legible draft tree', () => {
  it('keeps a chain whole (one row) however deep', () => {
    let chain: TreeDatum[] = [];
    for (let d = 0; d < 16; d++) chain = [node(d < 2 ? 'accepted' : d === 2 ? 'rejected' : 'unverified', 0.5, chain)];
    const t = legibleTree(node('root', 1, chain));
    expect(leaves(t)).toBe(1);
    expect(drawn(t)).toBe(16);
  });

  it('expands the accepted path, pools siblings beyond the top three and accounts for every node', () => {
    const kids = full(8, 1);
    kids[5].status = 'accepted';
    kids[5].children = full(4, 2);
    kids[2].status = 'rejected';
    kids[0].children = full(2, 2);
    const root = node('root', 1, kids);
    const t = legibleTree(root);
    const first = t.children;
    expect(first.map((c) => c.kind)).toEqual(['node', 'node', 'node', 'more']);
    expect(first[0].datum).toBe(kids[5]); // accepted first
    expect(first[1].datum).toBe(kids[2]); // then rejected
    expect(first[0].children.map((c) => c.kind)).toEqual(['node', 'node', 'node', 'node']); // 4 <= 3 + 1: all shown
    expect(first[0].children[0].hidden).toBe(4); // an unverified node folds its subtree
    const total = 8 + 4 * 5 + 6;
    expect(drawn(t) + hiddenTotal(t)).toBe(total);
  });

  it('keeps rows few for the widest, deepest trees', () => {
    for (const [w, d] of [[4, 3], [8, 2], [2, 6]]) {
      const kids = full(w, d);
      // accept the first node at every level
      let level = kids;
      while (level.length) {
        level[0].status = 'accepted';
        level = level[0].children;
      }
      expect(leaves(legibleTree(node('root', 1, kids)))).toBeLessThanOrEqual(d * (3 + 1));
    }
  });
});
