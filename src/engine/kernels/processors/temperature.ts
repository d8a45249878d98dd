import { temperature } from '../cpu/processors/temperature.ts';
import { checkRange, type ProcessorDescriptor } from './descriptor.ts';

/** Temperature, or dynamic temperature when dynatemp_range > 0 (one stage either way). */
export const TEMPERATURE: ProcessorDescriptor<'temperature'> = {
  stage: 'temperature',
  keys: ['temperature', 'dynatemp_range', 'dynatemp_exponent'],
  label: 'temperature',
  isActive: (c) => (c.temperature ?? 1) !== 1 || (c.dynatemp_range ?? 0) !== 0,
  check(c) {
    checkRange('temperature', c.temperature ?? 1, 0, Infinity, false, true);
    checkRange('dynatemp_range', c.dynatemp_range ?? 0, 0, Infinity, false, true);
    checkRange('dynatemp_exponent', c.dynatemp_exponent ?? 1, 0, Infinity, true, true);
  },
  cpu: (c) => temperature(c.temperature ?? 1, c.dynatemp_range ?? 0, c.dynatemp_exponent ?? 1),
  gpu: {
    slot: 1,
    wgslFlag: 'F_TEMP',
    pack(c, { f, base }) {
      f[base + 0] = c.temperature ?? 1;
      f[base + 7] = c.dynatemp_range ?? 0;
      f[base + 8] = c.dynatemp_exponent ?? 1;
    },
  },
};
