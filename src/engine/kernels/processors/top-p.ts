import { topP } from '../cpu/processors/top-p.ts';
import { checkRange, type ProcessorDescriptor } from './descriptor.ts';

export const TOP_P: ProcessorDescriptor<'top_p'> = {
  stage: 'top_p',
  keys: ['top_p'],
  label: 'top-p',
  isActive: (c) => c.top_p !== undefined && c.top_p !== 1,
  check: (c) => checkRange('top_p', c.top_p!, 0, 1),
  cpu: (c) => topP(c.top_p!),
  gpu: {
    slot: 3,
    wgslFlag: 'F_TOPP',
    pack(c, { f, base }) {
      f[base + 1] = c.top_p ?? 1;
    },
  },
};
