import { epsilonCutoff } from '../cpu/processors/epsilon.ts';
import { checkRange, type ProcessorDescriptor } from './descriptor.ts';

export const EPSILON_CUTOFF: ProcessorDescriptor<'epsilon_cutoff'> = {
  stage: 'epsilon_cutoff',
  keys: ['epsilon_cutoff'],
  label: 'epsilon cutoff',
  isActive: (c) => c.epsilon_cutoff !== undefined && c.epsilon_cutoff !== 0,
  check: (c) => checkRange('epsilon_cutoff', c.epsilon_cutoff!, 0, 1, false, true),
  cpu: (c) => epsilonCutoff(c.epsilon_cutoff!),
  gpu: {
    slot: 6,
    wgslFlag: 'F_EPS',
    pack(c, { f, base }) {
      f[base + 4] = c.epsilon_cutoff ?? 0;
    },
  },
};
