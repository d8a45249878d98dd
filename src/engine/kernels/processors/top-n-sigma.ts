import { retain } from '../cpu/row.ts';
import { checkRange, processor } from './descriptor.ts';

/**
 * Top-nσ (Tang et al. 2024; llama.cpp `top_n_sigma`): keep the tokens whose logit is at least
 * max - n·σ, with σ the population standard deviation of the finite logits entering the stage.
 * Scale-free, so temperature before or after it changes nothing it keeps.
 */
export const TOP_N_SIGMA = processor({
  stage: 'top_n_sigma',
  label: 'top-nσ',
  params: {
    top_n_sigma: {
      kind: 'float', default: 0, min: 0, max: 10, step: 0.05, label: 'Top-nσ', group: 'processor',
      help: 'Keep tokens whose logit is within n standard deviations (of the finite logits) of the largest; 0 = off.',
    },
  },
  isActive: (c) => c.top_n_sigma !== undefined && c.top_n_sigma !== 0,
  check: (c) => checkRange('top_n_sigma', c.top_n_sigma!, 0, Infinity, true, true),
  cpu: (c) => ({
    name: 'top_n_sigma',
    apply(st, norm) {
      const { s, idx, n } = st;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += s[idx[j]];
      const mean = sum / n;
      let acc = 0;
      for (let j = 0; j < n; j++) acc += (s[idx[j]] - mean) ** 2;
      const cut = norm.max - c.top_n_sigma! * Math.sqrt(acc / n);
      retain(st, (id) => s[id] >= cut);
    },
  }),
  gpu: { fields: { top_n_sigma: 'f32' }, pack: (c) => ({ top_n_sigma: c.top_n_sigma ?? 0 }) },
});
