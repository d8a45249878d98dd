import { topK } from '../cpu/processors/top-k.ts';
import type { ProcessorDescriptor } from './descriptor.ts';

export const TOP_K: ProcessorDescriptor<'top_k'> = {
  stage: 'top_k',
  keys: ['top_k'],
  label: 'top-k',
  isActive: (c) => c.top_k !== undefined && c.top_k !== 0,
  check(c) {
    const k = c.top_k!;
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`top_k must be a non-negative integer, got ${k}`);
  },
  cpu: (c) => topK(c.top_k!),
  gpu: {
    slot: 2,
    wgslFlag: 'F_TOPK',
    pack(c, { u, base }) {
      u[base + 9] = Math.min(c.top_k ?? 0, 0xffffffff);
    },
  },
};
