import { retain } from '../row.ts';
import type { Processor } from './processor.ts';
import { checkRange } from './processor.ts';

/**
 * HF TopPLogitsWarper (nucleus): in descending probability order (ties: lower id first), keep a
 * token while the mass strictly above it is < p; the top token is always kept (so p = 0 keeps one).
 *
 * Only the head of the distribution is sorted: candidates with prob > c for a cutoff c that halves
 * geometrically until the head holds mass >= p. Every token at or below c then has at least p
 * above it, so it would be dropped anyway.
 */
export function topP(p: number): Processor {
  checkRange('top_p', p, 0, 1);
  return {
    name: 'top_p',
    apply(st, norm) {
      const { s, idx, n } = st;
      const prob = (id: number) => Math.exp(s[id] - norm.max) / norm.z;
      const pmax = 1 / norm.z;
      let head: number[] = [];
      for (let shift = 4; ; shift *= 2) {
        const c = shift > 1024 ? -1 : pmax * Math.pow(2, -shift); // -1: take every candidate
        head = [];
        let mass = 0;
        for (let j = 0; j < n; j++) {
          const id = idx[j];
          const q = prob(id);
          if (q > c) {
            head.push(id);
            mass += q;
          }
        }
        if (mass >= p || c < 0 || head.length === n) break;
      }
      head.sort((a, b) => s[b] - s[a] || a - b);
      let above = 0;
      let keep = head.length;
      for (let j = 0; j < head.length; j++) {
        if (j > 0 && above >= p) {
          keep = j;
          break;
        }
        above += prob(head[j]);
      }
      if (keep === n) return;
      const kept = new Set(head.slice(0, keep));
      retain(st, (id) => kept.has(id));
    },
  };
}
