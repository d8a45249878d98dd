import { temperature } from '../cpu/processors/temperature.ts';
import { checkRange, processor } from './descriptor.ts';

/** Temperature, or dynamic temperature when dynatemp_range > 0 (one stage either way). */
export const TEMPERATURE = processor({
  stage: 'temperature',
  label: 'temperature',
  params: {
    temperature: {
      kind: 'float', default: 1, min: 0, max: 10, step: 0.05, label: 'Temperature', group: 'processor',
      help: 'Divides the logits: below 1 sharpens, above 1 flattens; 0 means argmax.',
    },
    dynatemp_range: {
      kind: 'float', default: 0, min: 0, max: 10, step: 0.05, label: 'Dynamic temperature range', group: 'processor',
      help: 'Entropy-adaptive temperature: vary it within temperature ± range by normalized entropy (0 = off).',
    },
    dynatemp_exponent: {
      kind: 'float', default: 1, min: 0, max: 10, step: 0.1, label: 'Dynamic temperature exponent', group: 'processor',
      help: 'Curve of the entropy-adaptive temperature: temperature follows (H / Hmax) ^ exponent.',
    },
  },
  isActive: (c) => (c.temperature ?? 1) !== 1 || (c.dynatemp_range ?? 0) !== 0,
  check(c) {
    checkRange('temperature', c.temperature ?? 1, 0, Infinity, false, true);
    checkRange('dynatemp_range', c.dynatemp_range ?? 0, 0, Infinity, false, true);
    checkRange('dynatemp_exponent', c.dynatemp_exponent ?? 1, 0, Infinity, true, true);
  },
  cpu: (c) => temperature(c.temperature ?? 1, c.dynatemp_range ?? 0, c.dynatemp_exponent ?? 1),
  gpu: {
    fields: { temperature: 'f32', dyn_range: 'f32', dyn_exp: 'f32' },
    pack: (c) => ({ temperature: c.temperature ?? 1, dyn_range: c.dynatemp_range ?? 0, dyn_exp: c.dynatemp_exponent ?? 1 }),
  },
});
