import { repetitionPenalty } from '../cpu/processors/repetition-penalty.ts';
import { checkRange, processor } from './descriptor.ts';

export const REPETITION_PENALTY = processor({
  stage: 'repetition_penalty',
  label: 'repetition penalty',
  params: {
    repetition_penalty: {
      kind: 'float', default: 1, min: 0.01, max: 10, step: 0.01, label: 'Repetition penalty', group: 'processor',
      help: 'Penalizes tokens already in the context (positive logits divided by it, negative multiplied); 1 = off.',
    },
  },
  isActive: (c) => c.repetition_penalty !== undefined && c.repetition_penalty !== 1,
  check: (c) => checkRange('repetition_penalty', c.repetition_penalty!, 0, Infinity, true, true),
  cpu: (c) => repetitionPenalty(c.repetition_penalty!),
  gpu: {
    fields: { rep_penalty: 'f32' },
    pack: (c) => ({ rep_penalty: c.repetition_penalty ?? 1 }),
    usesContext: true,
  },
});
