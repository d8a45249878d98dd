import { checkRange, processor } from './descriptor.ts';

/**
 * OpenAI's presence and frequency penalties (also llama.cpp's, inside its "penalties" sampler):
 * a token seen c > 0 times in the row's context loses `presence + frequency * c` from its logit.
 * The count runs over the whole context (prompt and generated tokens), like repetition_penalty here.
 */
export const PRESENCE_FREQUENCY = processor({
  stage: 'presence_frequency',
  label: 'presence/frequency',
  params: {
    presence_penalty: {
      kind: 'float', default: 0, min: -2, max: 2, step: 0.05, label: 'Presence penalty', group: 'processor',
      help: 'Subtracted once from the logit of every token already in the context (negative favours them); 0 = off.',
    },
    frequency_penalty: {
      kind: 'float', default: 0, min: -2, max: 2, step: 0.05, label: 'Frequency penalty', group: 'processor',
      help: 'Subtracted from the logit of a token once per time it occurs in the context (negative favours them); 0 = off.',
    },
  },
  isActive: (c) => (c.presence_penalty ?? 0) !== 0 || (c.frequency_penalty ?? 0) !== 0,
  check: (c) => {
    checkRange('presence_penalty', c.presence_penalty ?? 0, -2, 2);
    checkRange('frequency_penalty', c.frequency_penalty ?? 0, -2, 2);
  },
  cpu: (c) => {
    const presence = c.presence_penalty ?? 0;
    const frequency = c.frequency_penalty ?? 0;
    return {
      name: 'presence_frequency',
      apply(st, _norm, ctx) {
        const ids = ctx.contextIds;
        if (!ids) return;
        const counts = new Map<number, number>();
        for (let j = 0; j < ids.length; j++) {
          const id = ids[j];
          if (Number.isInteger(id) && id >= 0 && id < st.vocab) counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        for (const [id, count] of counts) {
          // Removed tokens stay removed: a penalty (or a negative one) never brings one back.
          if (st.s[id] !== -Infinity) st.s[id] -= presence + frequency * count;
        }
      },
    };
  },
  gpu: {
    fields: { presence_penalty: 'f32', frequency_penalty: 'f32' },
    pack: (c) => ({ presence_penalty: c.presence_penalty ?? 0, frequency_penalty: c.frequency_penalty ?? 0 }),
    usesContext: true,
  },
});
