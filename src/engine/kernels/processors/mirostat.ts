import { dropBelow } from '../cpu/processors/epsilon.ts';
import { checkRange, processor, type ProcessorState, type ValuesOf } from './descriptor.ts';

const PARAMS = {
  mirostat: {
    kind: 'int', default: 0, min: 0, max: 2, label: 'Mirostat', group: 'processor', minMeans: 'off',
    help: 'Mirostat version: 0 = off, 2 = v2 (truncate to a surprise budget mu that adapts toward tau); v1 is not supported.',
    check: (v: number) => (v === 1 ? 'asks for mirostat v1, which is not supported (2 = v2)' : undefined),
  },
  mirostat_tau: {
    kind: 'float', default: 5, min: 0, max: 20, step: 0.1, label: 'Mirostat tau', group: 'processor', unit: 'bits',
    help: 'Mirostat target surprise per token, in bits; mu starts at 2·tau.',
  },
  mirostat_eta: {
    kind: 'float', default: 0.1, min: 0, max: 1, step: 0.01, label: 'Mirostat eta', group: 'processor',
    help: 'Mirostat learning rate: after each token, mu -= eta · (observed surprise - tau).',
  },
} as const;

type Config = ValuesOf<typeof PARAMS>;

const tauOf = (c: Config) => c.mirostat_tau ?? 5;

/** The row's surprise budget: carried by the strategy, 2·tau before the first step. */
function muOf(c: Config, state: ProcessorState | undefined): number {
  const mu = state?.mirostat_mu ?? 2 * tauOf(c);
  if (!Number.isFinite(mu)) throw new RangeError(`mirostat_mu must be finite, got ${mu}`);
  return mu;
}

/**
 * Mirostat 2.0 (Basu et al., ICLR 2021; llama.cpp `mirostat_v2`) as one truncation stage: keep the
 * candidates whose surprise -log2 p (in the distribution entering the stage) is at most mu, i.e.
 * p >= 2^-mu, the top one always. Sampling stays the separate Gumbel-max step after the chain; the
 * strategy then advances mu with the chosen token's processed probability (`state.next`), so the
 * observed surprise is llama.cpp's when mirostat runs last (the default).
 */
export const MIROSTAT = processor({
  stage: 'mirostat',
  label: 'mirostat',
  params: PARAMS,
  isActive: (c) => c.mirostat !== undefined && c.mirostat !== 0,
  check: (c) => {
    if (c.mirostat !== 2) throw new RangeError(`mirostat must be 0 (off) or 2 (v2; v1 is not supported), got ${c.mirostat}`);
    checkRange('mirostat_tau', tauOf(c), 0, Infinity, false, true);
    checkRange('mirostat_eta', c.mirostat_eta ?? 0.1, 0, Infinity, false, true);
  },
  state: {
    init: (c) => ({ mirostat_mu: 2 * tauOf(c) }),
    next: (c, state, chosenProb) => {
      // A chosen token has p > 0; the floor only keeps mu finite should it underflow.
      const surprise = -Math.log2(Math.max(chosenProb, Number.MIN_VALUE));
      return { mirostat_mu: muOf(c, state) - (c.mirostat_eta ?? 0.1) * (surprise - tauOf(c)) };
    },
  },
  cpu: (c) => ({
    name: 'mirostat',
    apply: (st, norm, ctx) => dropBelow(st, norm, 2 ** -muOf(c, ctx.state)),
  }),
  gpu: {
    fields: { mirostat_cut: 'f32' },
    pack: (c, row) => ({ mirostat_cut: 2 ** -muOf(c, row.state) }),
  },
});
