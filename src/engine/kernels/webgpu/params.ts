/**
 * Packing what a call asks for into the words the kernels read: per-row processor params
 * (the generated RowParams struct, wgsl-prelude.ts), the stage list and context lists in aux, and
 * the Dims uniform. Pure functions; the caller uploads the result.
 */
import { purposeWord } from '../../rng.ts';
import { activeProcessors, checkVerifiable } from '../processors/registry.ts';
import type { ProcessorDescriptor } from '../processors/descriptor.ts';
import type { ProcessorConfig, RowRequest, StageName } from '../types.ts';
import { DIMS_WORDS, F, MAX_STAGES } from './layout.ts';
import { ROW_FIELD_AT, ROW_PARAM_WORDS, stageCode } from './wgsl-prelude.ts';

export interface RowPlan {
  /** The active processors in chain order. */
  active: ProcessorDescriptor<StageName>[];
  stages: StageName[];
  flags: number;
  config: ProcessorConfig;
}

/** Validates a config exactly as the CPU reference does (same checks, same RangeErrors) and derives the row flags. */
export function planRow(config: ProcessorConfig, choose: RowRequest['choose']): RowPlan {
  const active = activeProcessors(config);
  if (active.length > MAX_STAGES) throw new RangeError(`at most ${MAX_STAGES} processors per row, got ${active.length}`);
  let flags = 0;
  if ((config.dynatemp_range ?? 0) > 0) flags |= F.DYNATEMP;
  const mode = choose ?? 'sample';
  if (mode === 'none') flags |= F.CHOOSE_NONE;
  else if (mode === 'greedy') flags |= F.CHOOSE_GREEDY;
  else if (mode === 'force') flags |= F.CHOOSE_FORCE;
  return { active, stages: active.map((d) => d.stage), flags, config };
}

/** A row's context as the kernels read it: distinct valid ids (first occurrence first), their counts, and the valid ids in order. */
export function contextLists(ids: ArrayLike<number> | undefined, vocab: number): { distinct: number[]; counts: number[]; sequence: number[] } {
  const sequence: number[] = [];
  const countOf = new Map<number, number>();
  for (let j = 0; j < (ids?.length ?? 0); j++) {
    const id = ids![j];
    if (!Number.isInteger(id) || id < 0 || id >= vocab) continue;
    sequence.push(id);
    countOf.set(id, (countOf.get(id) ?? 0) + 1);
  }
  return { distinct: [...countOf.keys()], counts: [...countOf.values()], sequence };
}

/** Row params, and aux = `auxPrefix` followed by each row's stage codes, context lists and processor data. */
export function packRows(plans: RowPlan[], rows: RowRequest[], vocab: number, auxPrefix: Uint32Array): { params: ArrayBuffer; aux: Uint32Array<ArrayBuffer> } {
  const auxWords: number[] = Array.from(auxPrefix);
  const append = (words: ArrayLike<number>): number => {
    const at = auxWords.length;
    for (let j = 0; j < words.length; j++) auxWords.push(words[j] >>> 0);
    return at;
  };
  const params = new ArrayBuffer(rows.length * ROW_PARAM_WORDS * 4);
  const pf = new Float32Array(params);
  const pu = new Uint32Array(params);
  rows.forEach((r, i) => {
    const { active, config, flags } = plans[i];
    const base = i * ROW_PARAM_WORDS;
    const put = (field: string, v: number) => {
      const f = ROW_FIELD_AT.get(field);
      if (!f) throw new Error(`no RowParams field ${field}`);
      if (f.type === 'f32') pf[base + f.at] = v;
      else pu[base + f.at] = v >>> 0;
    };
    put('seed', r.seed ?? 0);
    put('step', r.step ?? 0);
    // 'force' needs no RNG: the word carries the forced token id instead (see sample.wgsl).
    put('purpose', (flags & F.CHOOSE_FORCE) !== 0 ? (r.forceToken as number) : purposeWord('sample', r.sub ?? 0));
    put('flags', flags);
    put('n_stages', active.length);
    put('stages_off', append(active.map((d) => stageCode(d.stage))));
    if (active.some((d) => d.gpu.usesContext)) {
      const ctx = contextLists(r.contextIds, vocab);
      put('ctx_len', ctx.distinct.length);
      put('ctx_off', append([...ctx.distinct, ...ctx.counts]));
      put('seq_len', ctx.sequence.length);
      put('seq_off', append(ctx.sequence));
    }
    const inputs = { aux: append, seed: r.seed ?? 0, step: r.step ?? 0, sub: r.sub ?? 0, state: r.state };
    for (const d of active) for (const [field, v] of Object.entries(d.gpu.pack(config, inputs))) put(field, v);
  });
  while (auxWords.length < 4) auxWords.push(0);
  return { params, aux: Uint32Array.from(auxWords) };
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
 * context (for the processors that read it) extended by the draft tokens before it (`drafted(i)`).
 * Processors that draw or keep state are refused (checkVerifiable), as on the CPU.
 */
export function targetRows(
  req: { config: ProcessorConfig; contextIds?: ArrayLike<number>; seed: number; step: number },
  n: number,
  sub: number,
  drafted: (row: number) => number[],
): RowRequest[] {
  checkVerifiable(req.config);
  const base = Array.from(req.contextIds ?? []);
  return Array.from({ length: n }, (_, i) => ({
    config: req.config,
    contextIds: base.concat(drafted(i)),
    choose: 'none',
    seed: req.seed,
    step: req.step,
    sub,
  }));
}
