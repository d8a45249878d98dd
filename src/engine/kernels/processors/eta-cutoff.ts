import { etaCutoff } from '../cpu/processors/eta.ts';
import { checkRange, processor } from './descriptor.ts';

export const ETA_CUTOFF = processor({
  stage: 'eta_cutoff',
  label: 'eta cutoff',
  params: {
    eta_cutoff: {
      kind: 'float', default: 0, min: 0, max: 1, step: 0.0001, log: true, label: 'Eta cutoff', group: 'processor',
      help: 'Entropy-dependent cutoff: drop tokens below min(eta, sqrt(eta) * exp(-H)); 0 = off.',
    },
  },
  isActive: (c) => c.eta_cutoff !== undefined && c.eta_cutoff !== 0,
  check: (c) => checkRange('eta_cutoff', c.eta_cutoff!, 0, 1, false, true),
  cpu: (c) => etaCutoff(c.eta_cutoff!),
  gpu: { fields: { eta: 'f32' }, pack: (c) => ({ eta: c.eta_cutoff ?? 0 }) },
});
