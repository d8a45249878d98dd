import { repetitionPenalty } from '../cpu/processors/repetition-penalty.ts';
import { checkRange, type ProcessorDescriptor } from './descriptor.ts';

export const REPETITION_PENALTY: ProcessorDescriptor<'repetition_penalty'> = {
  stage: 'repetition_penalty',
  keys: ['repetition_penalty'],
  label: 'repetition penalty',
  isActive: (c) => c.repetition_penalty !== undefined && c.repetition_penalty !== 1,
  check: (c) => checkRange('repetition_penalty', c.repetition_penalty!, 0, Infinity, true, true),
  cpu: (c) => repetitionPenalty(c.repetition_penalty!),
  gpu: {
    slot: 0,
    wgslFlag: 'F_REP',
    pack(c, { f, base }) {
      f[base + 6] = c.repetition_penalty ?? 1;
    },
  },
};
