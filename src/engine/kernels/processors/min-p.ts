import { minP } from '../cpu/processors/min-p.ts';
import { checkRange, processor } from './descriptor.ts';

export const MIN_P = processor({
  stage: 'min_p',
  label: 'min-p',
  params: {
    min_p: {
      kind: 'float', default: 0, min: 0, max: 1, step: 0.01, label: 'Min-p', group: 'processor',
      help: 'Drop tokens below min_p times the top token probability; 0 = off.',
    },
  },
  isActive: (c) => c.min_p !== undefined && c.min_p !== 0,
  check: (c) => checkRange('min_p', c.min_p!, 0, 1),
  cpu: (c) => minP(c.min_p!),
  gpu: { fields: { min_p: 'f32' }, pack: (c) => ({ min_p: c.min_p ?? 0 }) },
});
