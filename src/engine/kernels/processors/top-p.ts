import { topP } from '../cpu/processors/top-p.ts';
import { checkRange, processor } from './descriptor.ts';

export const TOP_P = processor({
  stage: 'top_p',
  label: 'top-p',
  params: {
    top_p: {
      kind: 'float', default: 1, min: 0, max: 1, step: 0.01, label: 'Top-p (nucleus)', group: 'processor',
      help: 'Keep the smallest set of top tokens whose probability reaches p; 1 = off.',
    },
  },
  isActive: (c) => c.top_p !== undefined && c.top_p !== 1,
  check: (c) => checkRange('top_p', c.top_p!, 0, 1),
  cpu: (c) => topP(c.top_p!),
  gpu: { fields: { top_p: 'f32' }, pack: (c) => ({ top_p: c.top_p ?? 1 }) },
});
