import { typicalP } from '../cpu/processors/typical-p.ts';
import { checkRange, type ProcessorDescriptor } from './descriptor.ts';

export const TYPICAL_P: ProcessorDescriptor<'typical_p'> = {
  stage: 'typical_p',
  keys: ['typical_p'],
  label: 'typical-p',
  isActive: (c) => c.typical_p !== undefined && c.typical_p !== 1,
  check: (c) => checkRange('typical_p', c.typical_p!, 0, 1),
  cpu: (c) => typicalP(c.typical_p!),
  gpu: {
    slot: 5,
    wgslFlag: 'F_TYPICAL',
    pack(c, { f, base }) {
      f[base + 3] = c.typical_p ?? 1;
    },
  },
};
