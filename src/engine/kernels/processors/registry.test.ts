/**
 * The processor table against what it mirrors elsewhere: the parameter table, and the constants,
 * stage loop and RowParams struct written in the WGSL source (parsed as text, so no GPU is needed).
 */
import { describe, expect, it } from 'vitest';
import { PARAMS, PARAM_KEYS } from '../../config/params.ts';
import type { ProcessorConfig } from '../types.ts';
import { F, H, ROW_PARAM_WORDS, stageFlag } from '../webgpu/layout.ts';
import { loadShaderSources } from '../webgpu/shader-source.ts';
import { PROCESSOR_KEYS, PROCESSORS, stageLabel } from './registry.ts';

/** `const NAME: u32 = Vu;` declarations of a WGSL source. */
function u32Constants(src: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of src.matchAll(/^const\s+(\w+)\s*:\s*u32\s*=\s*(\d+)u\s*;/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** Field names of a WGSL struct, in declaration order. */
function structFields(src: string, name: string): string[] {
  const body = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(src)?.[1];
  if (body === undefined) throw new Error(`struct ${name} not found`);
  return [...body.matchAll(/(\w+)\s*:/g)].map((m) => m[1]);
}

describe('processor table', () => {
  it("lists exactly the parameter table's 'processor' keys, each once", () => {
    const processorParams = PARAM_KEYS.filter((k) => PARAMS[k].group === 'processor');
    expect([...PROCESSOR_KEYS].sort()).toEqual([...processorParams].sort());
    expect(new Set(PROCESSOR_KEYS).size).toBe(PROCESSOR_KEYS.length);
  });

  it('gives each stage its HF position as slot, and a label', () => {
    expect(PROCESSORS.map((d) => d.gpu.slot)).toEqual(PROCESSORS.map((_, i) => i));
    for (const d of PROCESSORS) expect(stageLabel(d.stage)).toBe(d.label);
    expect(stageLabel('unknown_stage')).toBe('unknown_stage');
  });

  it('is neutral when every key is at its parameter default', () => {
    const defaults: ProcessorConfig = {};
    for (const k of PROCESSOR_KEYS) defaults[k] = PARAMS[k].default as number;
    expect(PROCESSORS.filter((d) => d.isActive(defaults)).map((d) => d.stage)).toEqual([]);
  });
});

describe('processor table against the WGSL source', () => {
  it('flag constants equal the table (bit = slot) and the other row flags equal layout.F', async () => {
    const common = u32Constants((await loadShaderSources())['kernels-common']);
    for (const d of PROCESSORS) expect([d.gpu.wgslFlag, common.get(d.gpu.wgslFlag)]).toEqual([d.gpu.wgslFlag, stageFlag(d)]);
    for (const [name, v] of Object.entries(F)) expect([name, common.get(`F_${name}`)]).toEqual([name, v]);
    const declaredFlags = [...common.keys()].filter((n) => n.startsWith('F_'));
    expect(declaredFlags.sort()).toEqual([...PROCESSORS.map((d) => d.gpu.wgslFlag), ...Object.keys(F).map((n) => `F_${n}`)].sort());
  });

  it('header words equal layout.H, with room for every stage in the kept / removed arrays', async () => {
    const common = u32Constants((await loadShaderSources())['kernels-common']);
    for (const [name, v] of Object.entries(H)) expect([name, common.get(`H_${name}`)]).toEqual([name, v]);
    expect(H.REMOVED - H.KEPT).toBeGreaterThanOrEqual(PROCESSORS.length);
    expect(H.SIZE - H.REMOVED).toBeGreaterThanOrEqual(PROCESSORS.length);
  });

  it("process.wgsl's stage loop runs one stage per table entry, then the final one", async () => {
    const process = (await loadShaderSources()).process;
    const n = PROCESSORS.length;
    expect(process).toContain(`for (var st = 0u; st < ${n + 1}u; st++)`);
    expect(process).toContain(`if (st < ${n}u && (P.flags & (1u << st)) == 0u) { continue; }`);
  });

  it('each processor packs its values into the RowParams fields of the same name', async () => {
    const fields = structFields((await loadShaderSources())['kernels-common'], 'RowParams');
    expect(fields.length).toBe(ROW_PARAM_WORDS);
    // RowParams field <- ProcessorConfig key, and a distinct value that is exact in f32.
    const cases: [string, keyof ProcessorConfig, number][] = [
      ['temperature', 'temperature', 0.5],
      ['top_p', 'top_p', 0.25],
      ['min_p', 'min_p', 0.125],
      ['typical_p', 'typical_p', 0.75],
      ['eps', 'epsilon_cutoff', 0.0625],
      ['eta', 'eta_cutoff', 0.03125],
      ['rep_penalty', 'repetition_penalty', 1.5],
      ['dyn_range', 'dynatemp_range', 2.5],
      ['dyn_exp', 'dynatemp_exponent', 3.5],
      ['top_k', 'top_k', 7],
    ];
    expect(cases.map((c) => c[1]).sort()).toEqual([...PROCESSOR_KEYS].sort());
    const config: ProcessorConfig = Object.fromEntries(cases.map(([, key, v]) => [key, v]));
    const buf = new ArrayBuffer(ROW_PARAM_WORDS * 4);
    const words = { f: new Float32Array(buf), u: new Uint32Array(buf), base: 0 };
    for (const d of PROCESSORS) d.gpu.pack(config, words);
    for (const [field, key, v] of cases) {
      const at = fields.indexOf(field);
      expect([field, key === 'top_k' ? words.u[at] : words.f[at]]).toEqual([field, v]);
    }
  });
});
