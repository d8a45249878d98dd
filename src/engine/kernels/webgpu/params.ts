/**
 * Packing what a call asks for into the words the kernels read: per-row processor params
 * (RowParams in kernels-common.wgsl), context ids in aux, and the Dims uniform. Pure functions;
 * the caller uploads the result.
 */
import { purposeWord } from '../../rng.ts';
import { activeProcessors, PROCESSORS } from '../processors/registry.ts';
import type { ProcessorConfig, RowRequest, StageName } from '../types.ts';
import { DIMS_WORDS, F, ROW_PARAM_WORDS, stageFlag } from './layout.ts';

export interface RowPlan {
  stages: StageName[];
  flags: number;
  config: ProcessorConfig;
}

/** Validates a config exactly as the CPU reference does (same checks, same RangeErrors) and derives the row flags. */
export function planRow(config: ProcessorConfig, choose: RowRequest['choose']): RowPlan {
  const active = activeProcessors(config);
  const stages = active.map((d) => d.stage);
  let flags = 0;
  for (const d of active) flags |= stageFlag(d);
  if ((config.dynatemp_range ?? 0) > 0) flags |= F.DYNATEMP;
  const mode = choose ?? 'sample';
  if (mode === 'none') flags |= F.CHOOSE_NONE;
  else if (mode === 'greedy') flags |= F.CHOOSE_GREEDY;
  else if (mode === 'force') flags |= F.CHOOSE_FORCE;
  return { stages, flags, config };
}

/** The context ids the repetition penalty sees: valid token ids only. */
function contextList(ids: ArrayLike<number> | undefined, vocab: number): number[] {
  const out: number[] = [];
  if (!ids) return out;
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j];
    if (Number.isInteger(id) && id >= 0 && id < vocab) out.push(id);
  }
  return out;
}

/** Row params, and aux = `auxPrefix` followed by each penalized row's context ids. */
export function packRows(plans: RowPlan[], rows: RowRequest[], vocab: number, auxPrefix: Uint32Array): { params: ArrayBuffer; aux: Uint32Array<ArrayBuffer> } {
  const ctxs = rows.map((r, i) => (plans[i].stages.includes('repetition_penalty') ? contextList(r.contextIds, vocab) : []));
  const total = ctxs.reduce((a, c) => a + c.length, 0);
  const aux = new Uint32Array(Math.max(4, auxPrefix.length + total));
  aux.set(auxPrefix, 0);
  const params = new ArrayBuffer(rows.length * ROW_PARAM_WORDS * 4);
  const pf = new Float32Array(params);
  const pu = new Uint32Array(params);
  let off = auxPrefix.length;
  rows.forEach((r, i) => {
    const c = plans[i].config;
    const b = i * ROW_PARAM_WORDS;
    for (const d of PROCESSORS) d.gpu.pack(c, { f: pf, u: pu, base: b });
    pu[b + 10] = off;
    pu[b + 11] = ctxs[i].length;
    pu[b + 12] = (r.seed ?? 0) >>> 0;
    pu[b + 13] = (r.step ?? 0) >>> 0;
    // 'force' needs no RNG: the word carries the forced token id instead (see sample.wgsl).
    pu[b + 14] = (plans[i].flags & F.CHOOSE_FORCE) !== 0 ? (r.forceToken as number) : purposeWord('sample', r.sub ?? 0);
    pu[b + 15] = plans[i].flags;
    aux.set(ctxs[i], off);
    off += ctxs[i].length;
  });
  return { params, aux };
}

/** The Dims uniform (kernels-common.wgsl); verify keys and flags stay 0 for a step. */
export interface Dims {
  vocab: number;
  rows: number;
  topk: number;
  stride: number;
  inOffset: number;
  kDraft?: number;
  vflags?: number;
  resOff?: number;
  seed?: number;
  step?: number;
  pAccept?: number;
  pResidual?: number;
  pBonus?: number;
}

export function packDims(v: Dims): Uint32Array<ArrayBuffer> {
  const d = new Uint32Array(DIMS_WORDS);
  d[0] = v.vocab;
  d[1] = v.rows;
  d[2] = v.topk;
  d[3] = v.stride;
  d[4] = v.inOffset;
  d[5] = v.kDraft ?? 0;
  d[6] = v.vflags ?? 0;
  d[7] = v.resOff ?? 0;
  d[8] = (v.seed ?? 0) >>> 0;
  d[9] = (v.step ?? 0) >>> 0;
  d[10] = v.pAccept ?? 0;
  d[11] = v.pResidual ?? 0;
  d[12] = v.pBonus ?? 0;
  return d;
}

/** Verify flags (Dims.vflags): which optional inputs and rules a verify kernel applies. */
export const VFLAG = { UNIFORMS: 1, GREEDY: 2, WITHOUT_REPLACEMENT: 4, DETERMINISTIC: 8 } as const;

/** The RNG keys of a verification (accept, residual and bonus purposes of `sub`). */
export function verifyKeys(seed: number, step: number, sub: number): Pick<Dims, 'seed' | 'step' | 'pAccept' | 'pResidual' | 'pBonus'> {
  return { seed, step, pAccept: purposeWord('accept', sub), pResidual: purposeWord('residual', sub), pBonus: purposeWord('bonus', sub) };
}

/**
 * The target rows of a verification: processed with `config`, nothing chosen, and each row's
 * repetition-penalty context extended by the draft tokens before it (`drafted(i)`).
 */
export function targetRows(
  req: { config: ProcessorConfig; contextIds?: ArrayLike<number>; seed: number; step: number },
  n: number,
  sub: number,
  drafted: (row: number) => number[],
): RowRequest[] {
  const base = Array.from(req.contextIds ?? []);
  return Array.from({ length: n }, (_, i) => ({
    config: req.config,
    contextIds: req.config.repetition_penalty !== undefined ? base.concat(drafted(i)) : undefined,
    choose: 'none',
    seed: req.seed,
    step: req.step,
    sub,
  }));
}
