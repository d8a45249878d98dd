import { etaCutoff } from '../cpu/processors/eta.ts';
import { checkRange, type ProcessorDescriptor } from './descriptor.ts';

export const ETA_CUTOFF: ProcessorDescriptor<'eta_cutoff'> = {
  stage: 'eta_cutoff',
  keys: ['eta_cutoff'],
  label: 'eta cutoff',
  isActive: (c) => c.eta_cutoff !== undefined && c.eta_cutoff !== 0,
  check: (c) => checkRange('eta_cutoff', c.eta_cutoff!, 0, 1, false, true),
  cpu: (c) => etaCutoff(c.eta_cutoff!),
  gpu: {
    slot: 7,
    wgslFlag: 'F_ETA',
    pack(c, { f, base }) {
      f[base + 5] = c.eta_cutoff ?? 0;
    },
  },
};
