/**
 * The WGSL declarations that mirror host-side tables, generated from them so they can never drift:
 * the output header words (layout.H), the row flags (layout.F), one stage code per processor
 * (`ST_<STAGE>`, its index in the processor table) and the RowParams struct (common fields, then each
 * processor's own fields in table order). pipelines.ts puts this text before kernels-common.wgsl.
 */
import type { GpuFieldType } from '../processors/descriptor.ts';
import { PROCESSORS } from '../processors/registry.ts';
import { F, H, MAX_STAGES } from './layout.ts';

/** RowParams fields every row has. The context lists and the stage list live in aux (see params.ts). */
const COMMON_FIELDS = {
  seed: 'u32',
  step: 'u32',
  purpose: 'u32', // RNG purpose word; the forced token id when choose = 'force'
  flags: 'u32',
  n_stages: 'u32',
  stages_off: 'u32', // aux offset of the stage codes, in chain order
  ctx_len: 'u32', // distinct context ids (first-occurrence order) ...
  ctx_off: 'u32', // ... at aux[ctx_off], their counts at aux[ctx_off + ctx_len]
  seq_len: 'u32', // the context ids in order
  seq_off: 'u32',
} as const satisfies Record<string, GpuFieldType>;

function rowFields(): [string, GpuFieldType][] {
  const out: [string, GpuFieldType][] = Object.entries(COMMON_FIELDS);
  for (const d of PROCESSORS) {
    for (const [name, type] of Object.entries(d.gpu.fields)) {
      if (out.some(([n]) => n === name)) throw new Error(`RowParams field "${name}" of ${d.stage} is declared twice`);
      out.push([name, type]);
    }
  }
  while (out.length % 4 !== 0) out.push([`pad${out.length}`, 'u32']);
  return out;
}

/** RowParams fields in declaration order, with their word offsets. */
export const ROW_FIELDS: readonly [string, GpuFieldType][] = rowFields();
export const ROW_FIELD_AT: ReadonlyMap<string, { at: number; type: GpuFieldType }> = new Map(ROW_FIELDS.map(([n, type], at) => [n, { at, type }]));
export const ROW_PARAM_WORDS = ROW_FIELDS.length;

/** A processor's stage code: ST_<STAGE> in WGSL. */
export function stageCode(stage: string): number {
  const i = PROCESSORS.findIndex((d) => d.stage === stage);
  if (i < 0) throw new Error(`unknown stage ${stage}`);
  return i;
}

const u32 = (name: string, v: number) => `const ${name}: u32 = ${v}u;`;

export const WGSL_PRELUDE = [
  '// Generated from the host tables by src/engine/kernels/webgpu/wgsl-prelude.ts: edit those, not this.',
  ...Object.entries(H).map(([k, v]) => u32(`H_${k}`, v)),
  ...Object.entries(F).map(([k, v]) => u32(`F_${k}`, v)),
  u32('MAX_STAGES', MAX_STAGES),
  u32('ST_NONE', 0xffffffff), // not a stage: the display pass after the chain
  ...PROCESSORS.map((d, i) => u32(`ST_${d.stage.toUpperCase()}`, i)),
  'struct RowParams {',
  ...ROW_FIELDS.map(([n, t]) => `  ${n}: ${t},`),
  '}',
  '',
].join('\n');
