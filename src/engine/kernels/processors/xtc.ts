import { purposeWord, uniform } from '../../rng.ts';
import { retain } from '../cpu/row.ts';
import { checkRange, processor } from './descriptor.ts';

/**
 * XTC, "exclude top choices" (llama.cpp `xtc`, from text-generation-webui): with probability
 * `xtc_probability`, drop every candidate whose probability (in the distribution entering the
 * stage) reaches `xtc_threshold`, except the least probable of them (lowest id among equals), so
 * the most predictable continuations give way to the next-best plausible one. Nothing happens when
 * fewer than two candidates reach the threshold; a threshold above 0.5 can never have two, so
 * llama.cpp's "threshold > 0.5 disables it" is the same rule and the stage stays off.
 *
 * The coin is the shared counter-based RNG: uniform(seed, step, purposeWord('xtc', sub), 0) of the
 * row's key, drawn identically in WGSL, so a seed reproduces the run on both backends. It acts when
 * u <= xtc_probability, compared in f32 as the shader does.
 */
export const XTC = processor({
  stage: 'xtc',
  label: 'XTC',
  params: {
    xtc_probability: {
      kind: 'float', default: 0, min: 0, max: 1, step: 0.05, label: 'XTC probability', group: 'processor',
      help: 'Chance per step that XTC acts (removes the top choices above the threshold but the least likely of them); 0 = off.',
    },
    xtc_threshold: {
      kind: 'float', default: 0.1, min: 0, max: 1, step: 0.01, label: 'XTC threshold', group: 'processor',
      help: 'Probability a token needs to count as a top choice for XTC; above 0.5 XTC never acts.',
    },
  },
  // Any value but 0 (and a threshold not above 0.5) is active, so check() sees a bad one.
  isActive: (c) => (c.xtc_probability ?? 0) !== 0 && !((c.xtc_threshold ?? 0.1) > 0.5),
  check: (c) => {
    checkRange('xtc_probability', c.xtc_probability!, 0, 1, true);
    checkRange('xtc_threshold', c.xtc_threshold ?? 0.1, 0, 1);
  },
  draws: true,
  cpu: (c) => {
    const chance = Math.fround(c.xtc_probability!);
    const threshold = c.xtc_threshold ?? 0.1;
    return {
      name: 'xtc',
      apply(st, norm, ctx) {
        if (!ctx.rng) throw new Error('xtc draws from the row RNG key, which this caller did not give');
        const { seed, step, sub } = ctx.rng;
        if (uniform(seed, step, purposeWord('xtc', sub), 0) > chance) return;
        const { s, idx, n } = st;
        const reaches = (id: number) => Math.exp(s[id] - norm.max) / norm.z >= threshold;
        let count = 0;
        let spared = -1;
        for (let j = 0; j < n; j++) {
          const id = idx[j];
          if (!reaches(id)) continue;
          count++;
          // Ascending ids: a strict comparison keeps the lowest id among equals.
          if (spared < 0 || s[id] < s[spared]) spared = id;
        }
        if (count >= 2) retain(st, (id) => id === spared || !reaches(id));
      },
    };
  },
  gpu: {
    fields: { xtc_probability: 'f32', xtc_threshold: 'f32', xtc_purpose: 'u32' },
    pack: (c, row) => ({
      xtc_probability: c.xtc_probability ?? 0,
      xtc_threshold: c.xtc_threshold ?? 0.1,
      xtc_purpose: purposeWord('xtc', row.sub),
    }),
  },
});
