/**
 * The processor table against what derives from it or mirrors it: the parameter table, the named
 * sampler orders, the generated WGSL prelude and the stage branches written in process.wgsl
 * (parsed as text, so no GPU is needed).
 */
import { describe, expect, it } from 'vitest';
import { PARAMS, PARAM_KEYS } from '../../config/params.ts';
import type { ProcessorConfig } from '../types.ts';
import { F, H } from '../webgpu/layout.ts';
import { loadShaderSources } from '../webgpu/shader-source.ts';
import { ROW_FIELDS, ROW_PARAM_WORDS, WGSL_PRELUDE } from '../webgpu/wgsl-prelude.ts';
import { activeProcessors, parseSamplerOrder, PROCESSOR_KEYS, PROCESSOR_PARAMS, PROCESSORS, SAMPLER_ORDERS, stageLabel } from './registry.ts';

/** `const NAME: u32 = Vu;` declarations of a WGSL source. */
function u32Constants(src: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of src.matchAll(/^const\s+(\w+)\s*:\s*u32\s*=\s*(\d+)u\s*;/gm)) out.set(m[1], Number(m[2]));
  return out;
}

const stages = PROCESSORS.map((d) => d.stage);

describe('processor table', () => {
  it("is exactly the parameter table's 'processor' keys, each once, with the same specs", () => {
    const processorParams = PARAM_KEYS.filter((k) => PARAMS[k].group === 'processor');
    expect(processorParams).toEqual(PROCESSOR_KEYS);
    for (const k of PROCESSOR_KEYS) expect(PARAMS[k]).toBe(PROCESSOR_PARAMS[k]);
    expect(new Set(PROCESSOR_KEYS).size).toBe(PROCESSOR_KEYS.length);
  });

  it('gives every stage a distinct name and a label', () => {
    expect(new Set(stages).size).toBe(stages.length);
    for (const d of PROCESSORS) expect(stageLabel(d.stage)).toBe(d.label);
    expect(stageLabel('unknown_stage')).toBe('unknown_stage');
  });

  it('is neutral when every key is at its parameter default', () => {
    const defaults: Record<string, unknown> = {};
    for (const k of PROCESSOR_KEYS) defaults[k] = PARAMS[k].default;
    expect(activeProcessors(defaults as ProcessorConfig)).toEqual([]);
  });
});

describe('sampler_order', () => {
  it('names orders that list every stage exactly once; hf is the table order', () => {
    for (const order of Object.values(SAMPLER_ORDERS)) expect([...order].sort()).toEqual([...stages].sort());
    expect(SAMPLER_ORDERS.hf).toEqual(stages);
  });

  it('runs the active stages in the chosen order; an explicit list puts the stages it omits after it', () => {
    const c: ProcessorConfig = { temperature: 0.7, top_k: 40, top_p: 0.9, min_p: 0.05 };
    expect(activeProcessors(c).map((d) => d.stage)).toEqual(['temperature', 'top_k', 'top_p', 'min_p']);
    expect(activeProcessors({ ...c, sampler_order: 'llamacpp' }).map((d) => d.stage)).toEqual(['top_k', 'top_p', 'min_p', 'temperature']);
    expect(activeProcessors({ ...c, sampler_order: 'min_p, top_k' }).map((d) => d.stage)).toEqual(['min_p', 'top_k', 'temperature', 'top_p']);
  });

  it('refuses unknown and repeated stages with a message naming them', () => {
    expect(parseSamplerOrder('top_k,nucleus')).toEqual({ error: expect.stringContaining('"nucleus" is not a stage') });
    expect(parseSamplerOrder('top_k,top_k')).toEqual({ error: '"top_k" is listed twice' });
    expect(parseSamplerOrder('')).toEqual({ error: expect.stringContaining('"" is not a stage') });
    expect(() => activeProcessors({ top_k: 3, sampler_order: 'bogus' })).toThrow(RangeError);
    expect(PARAMS.sampler_order.check('llamacpp')).toBeUndefined();
    expect(PARAMS.sampler_order.check('top_k,bogus')).toMatch(/bogus/);
  });
});

describe('generated WGSL prelude', () => {
  it('declares the header words and row flags of layout.ts, and no shader file declares them by hand', async () => {
    const prelude = u32Constants(WGSL_PRELUDE);
    for (const [name, v] of Object.entries(H)) expect([name, prelude.get(`H_${name}`)]).toEqual([name, v]);
    for (const [name, v] of Object.entries(F)) expect([name, prelude.get(`F_${name}`)]).toEqual([name, v]);
    for (const [file, src] of Object.entries(await loadShaderSources())) {
      expect([file, src.match(/^const\s+(H|F|ST)_\w+/m)?.[0]]).toEqual([file, undefined]);
      expect([file, /struct\s+RowParams/.test(src)]).toEqual([file, false]);
    }
  });

  it('gives each stage its table index as code, and process.wgsl a branch for each', async () => {
    const prelude = u32Constants(WGSL_PRELUDE);
    const process = (await loadShaderSources()).process;
    PROCESSORS.forEach((d, i) => {
      const name = `ST_${d.stage.toUpperCase()}`;
      expect([name, prelude.get(name)]).toEqual([name, i]);
      expect([name, process.includes(`st == ${name}`)]).toEqual([name, true]);
    });
    // Every stage code a shader uses is declared.
    const used = new Set((await Promise.all(Object.values(await loadShaderSources()))).flatMap((s) => [...s.matchAll(/\bST_[A-Z_]+\b/g)].map((m) => m[0])));
    for (const name of used) expect([name, prelude.has(name)]).toEqual([name, true]);
  });

  it('declares RowParams with each processor field once, and each processor packs exactly its fields', () => {
    expect(ROW_FIELDS.length).toBe(ROW_PARAM_WORDS);
    expect(ROW_PARAM_WORDS % 4).toBe(0);
    const names = ROW_FIELDS.map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    const row = { aux: () => 0, seed: 1, step: 2, sub: 0 };
    for (const d of PROCESSORS) {
      for (const f of Object.keys(d.gpu.fields)) expect(names).toContain(f);
      expect([d.stage, Object.keys(d.gpu.pack({}, row)).sort()]).toEqual([d.stage, Object.keys(d.gpu.fields).sort()]);
    }
    expect(WGSL_PRELUDE).toMatch(/struct RowParams \{\n(  \w+: (f32|u32),\n)+\}/);
  });
});
