import { checkRange, processor } from './descriptor.ts';

/** ln(FLT_MAX), rounded as llama.cpp does: the exponent clamp keeps base^exponent finite in f32. */
const FLOAT_MAX_LOG = 88.7228391;
/** dry_penalty_last_n on the GPU when the whole context counts (-1). */
const WHOLE_CONTEXT = 0xffffffff;

interface DrySettings {
  multiplier: number;
  base: number;
  allowed: number;
  /** Window length in tokens; -1 = the whole context. */
  lastN: number;
}

function settings(c: { dry_multiplier?: number; dry_base?: number; dry_allowed_length?: number; dry_penalty_last_n?: number }): DrySettings {
  return { multiplier: c.dry_multiplier ?? 0, base: c.dry_base ?? 1.75, allowed: c.dry_allowed_length ?? 2, lastN: c.dry_penalty_last_n ?? -1 };
}

/** Largest exponent of base (llama.cpp's clamp against float overflow); 0 = no clamp. */
export function dryMaxExponent(base: number): number {
  return base > 1.000001 ? Math.trunc(FLOAT_MAX_LOG / Math.log(base)) : 0;
}

/**
 * The match length past which the penalty stops growing: there the exponent hits its clamp (or,
 * for base 1, every length past allowed gives the same penalty). Comparing further changes
 * nothing, so the scans stop there (the only bound: without it a long repetitive context costs
 * O(window²)). Infinity when nothing clamps.
 */
export function dryMatchCap(s: Pick<DrySettings, 'base' | 'allowed'>): number {
  if (s.base === 1) return s.allowed;
  const maxExp = dryMaxExponent(s.base);
  return maxExp > 0 ? s.allowed + maxExp : Infinity;
}

/** The penalty of a token whose longest repeat (before it) is `len` >= allowed tokens. */
export function dryPenalty(s: DrySettings, len: number): number {
  const maxExp = dryMaxExponent(s.base);
  let e = len - s.allowed;
  if (maxExp > 0 && e > maxExp) e = maxExp;
  return s.multiplier * Math.pow(s.base, e);
}

/**
 * For each token that followed an earlier occurrence of the context's current suffix, the longest
 * such suffix (capped at `cap`), when at least `allowed` long. `seq` holds the valid ids in order;
 * only its last `lastN` (-1 = all) take part, as llama.cpp's window.
 */
export function dryRepeats(seq: ArrayLike<number>, s: Omit<DrySettings, 'multiplier'>, cap = dryMatchCap(s)): Map<number, number> {
  const best = new Map<number, number>();
  const L = seq.length;
  const W = s.lastN < 0 ? L : Math.min(L, s.lastN);
  if (W <= s.allowed) return best;
  const w0 = L - W;
  for (let j = w0; j < L - 1; j++) {
    // Longest m with seq[j - t] == seq[L - 1 - t] for t < m, staying inside the window.
    const limit = Math.min(j - w0 + 1, cap);
    let m = 0;
    while (m < limit && seq[j - m] === seq[L - 1 - m]) m++;
    if (m < s.allowed) continue;
    const next = seq[j + 1];
    if (m > (best.get(next) ?? -1)) best.set(next, m);
  }
  return best;
}

/**
 * DRY, "Don't Repeat Yourself" (llama.cpp `dry`, from koboldcpp): when the end of the context
 * already occurred earlier, the token that followed that occurrence would extend the repetition;
 * it loses multiplier * base^(len - allowed_length), len the longest such repeat (at least
 * allowed_length tokens), the exponent clamped as llama.cpp's. No sequence breakers (see
 * docs/url-parameters.md, "Processor semantics").
 */
export const DRY = processor({
  stage: 'dry',
  label: 'DRY',
  params: {
    dry_multiplier: {
      kind: 'float', default: 0, min: 0, max: 10, step: 0.05, label: 'DRY multiplier', group: 'processor',
      help: 'DRY penalty strength: a token that would continue an earlier occurrence of the last n context tokens loses multiplier * base^(n - allowed length); 0 = off.',
    },
    dry_base: {
      kind: 'float', default: 1.75, min: 1, max: 10, step: 0.05, label: 'DRY base', group: 'processor',
      help: 'How fast the DRY penalty grows with each repeated token beyond the allowed length.',
    },
    dry_allowed_length: {
      kind: 'int', default: 2, min: 1, max: 64, label: 'DRY allowed length', group: 'processor',
      help: 'DRY leaves repeats up to this many tokens long (counting the new token) unpenalized.',
    },
    dry_penalty_last_n: {
      kind: 'int', default: -1, min: -1, max: 65536, minMeans: 'the whole context', label: 'DRY window', group: 'processor',
      help: 'How many of the last context tokens DRY scans for repeats (-1 = the whole context, 0 = off).',
    },
  },
  isActive: (c) => (c.dry_multiplier ?? 0) !== 0 && (c.dry_penalty_last_n ?? -1) !== 0,
  check: (c) => {
    const s = settings(c);
    checkRange('dry_multiplier', s.multiplier, 0, 10);
    checkRange('dry_base', s.base, 1, 10);
    if (!Number.isInteger(s.allowed) || s.allowed < 1 || s.allowed > 64) throw new RangeError(`dry_allowed_length must be an integer in [1, 64], got ${s.allowed}`);
    if (!Number.isInteger(s.lastN) || s.lastN < -1 || s.lastN > 65536) throw new RangeError(`dry_penalty_last_n must be an integer in [-1, 65536], got ${s.lastN}`);
  },
  cpu: (c) => {
    const s = settings(c);
    return {
      name: 'dry',
      apply(st, _norm, ctx) {
        const ids = ctx.contextIds;
        if (!ids) return;
        // Ids outside the vocabulary are dropped from the sequence, as the GPU packer drops them.
        const seq: number[] = [];
        for (let j = 0; j < ids.length; j++) {
          const id = ids[j];
          if (Number.isInteger(id) && id >= 0 && id < st.vocab) seq.push(id);
        }
        for (const [id, len] of dryRepeats(seq, s)) {
          if (st.s[id] !== -Infinity) st.s[id] -= dryPenalty(s, len);
        }
      },
    };
  },
  gpu: {
    fields: { dry_mult: 'f32', dry_base: 'f32', dry_allowed: 'u32', dry_last_n: 'u32', dry_cap: 'u32', dry_max_exp: 'u32' },
    pack: (c) => {
      const s = settings(c);
      const cap = dryMatchCap(s);
      return {
        dry_mult: s.multiplier,
        dry_base: s.base,
        dry_allowed: s.allowed,
        dry_last_n: s.lastN < 0 ? WHOLE_CONTEXT : s.lastN,
        dry_cap: Number.isFinite(cap) ? cap : WHOLE_CONTEXT,
        dry_max_exp: dryMaxExponent(s.base),
      };
    },
    usesContext: true,
  },
});
