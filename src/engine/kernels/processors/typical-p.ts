import { typicalP } from '../cpu/processors/typical-p.ts';
import { checkRange, processor } from './descriptor.ts';

export const TYPICAL_P = processor({
  stage: 'typical_p',
  label: 'typical-p',
  params: {
    typical_p: {
      kind: 'float', default: 1, min: 0, max: 1, step: 0.01, label: 'Typical-p', group: 'processor',
      help: 'Keep tokens whose surprise is closest to the entropy, up to mass p; 1 = off.',
    },
  },
  isActive: (c) => c.typical_p !== undefined && c.typical_p !== 1,
  check: (c) => checkRange('typical_p', c.typical_p!, 0, 1),
  cpu: (c) => typicalP(c.typical_p!),
  gpu: { fields: { typical_p: 'f32' }, pack: (c) => ({ typical_p: c.typical_p ?? 1 }) },
});
