import { minP } from '../cpu/processors/min-p.ts';
import { checkRange, type ProcessorDescriptor } from './descriptor.ts';

export const MIN_P: ProcessorDescriptor<'min_p'> = {
  stage: 'min_p',
  keys: ['min_p'],
  label: 'min-p',
  isActive: (c) => c.min_p !== undefined && c.min_p !== 0,
  check: (c) => checkRange('min_p', c.min_p!, 0, 1),
  cpu: (c) => minP(c.min_p!),
  gpu: {
    slot: 4,
    wgslFlag: 'F_MINP',
    pack(c, { f, base }) {
      f[base + 2] = c.min_p ?? 0;
    },
  },
};
