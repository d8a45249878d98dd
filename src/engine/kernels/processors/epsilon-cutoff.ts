import { epsilonCutoff } from '../cpu/processors/epsilon.ts';
import { checkRange, processor } from './descriptor.ts';

export const EPSILON_CUTOFF = processor({
  stage: 'epsilon_cutoff',
  label: 'epsilon cutoff',
  params: {
    epsilon_cutoff: {
      kind: 'float', default: 0, min: 0, max: 1, step: 0.0001, log: true, label: 'Epsilon cutoff', group: 'processor',
      help: 'Drop tokens with probability below epsilon (e.g. 3e-4); 0 = off.',
    },
  },
  isActive: (c) => c.epsilon_cutoff !== undefined && c.epsilon_cutoff !== 0,
  check: (c) => checkRange('epsilon_cutoff', c.epsilon_cutoff!, 0, 1, false, true),
  cpu: (c) => epsilonCutoff(c.epsilon_cutoff!),
  gpu: { fields: { eps: 'f32' }, pack: (c) => ({ eps: c.epsilon_cutoff ?? 0 }) },
});
