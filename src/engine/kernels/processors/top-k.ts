import { topK } from '../cpu/processors/top-k.ts';
import { processor } from './descriptor.ts';

export const TOP_K = processor({
  stage: 'top_k',
  label: 'top-k',
  params: {
    top_k: {
      kind: 'int', default: 0, min: 0, max: 262144, minMeans: 'off', label: 'Top-k', group: 'processor',
      help: 'Keep only the k most probable tokens (ties at the k-th kept); 0 = off.',
    },
  },
  isActive: (c) => c.top_k !== undefined && c.top_k !== 0,
  check(c) {
    const k = c.top_k!;
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`top_k must be a non-negative integer, got ${k}`);
  },
  cpu: (c) => topK(c.top_k!),
  gpu: {
    fields: { top_k: 'u32' },
    pack: (c) => ({ top_k: Math.min(c.top_k ?? 0, 0xffffffff) }),
  },
});
