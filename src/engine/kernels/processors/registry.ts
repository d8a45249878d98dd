/**
 * The one table of logits processors, in Hugging Face order. Adding a processor: a descriptor file
 * here (with its CPU implementation in cpu/processors/), one entry below, its keys in ProcessorConfig
 * and the parameter table, and its stage in the WGSL kernels (flag constant and stage branch).
 */
import type { ProcessorConfig, StageName } from '../types.ts';
import type { ProcessorDescriptor } from './descriptor.ts';
import { EPSILON_CUTOFF } from './epsilon-cutoff.ts';
import { ETA_CUTOFF } from './eta-cutoff.ts';
import { MIN_P } from './min-p.ts';
import { REPETITION_PENALTY } from './repetition-penalty.ts';
import { TEMPERATURE } from './temperature.ts';
import { TOP_K } from './top-k.ts';
import { TOP_P } from './top-p.ts';
import { TYPICAL_P } from './typical-p.ts';

export type { ProcessorDescriptor, RowParamWords } from './descriptor.ts';

export const PROCESSORS = [REPETITION_PENALTY, TEMPERATURE, TOP_K, TOP_P, MIN_P, TYPICAL_P, EPSILON_CUTOFF, ETA_CUTOFF] as const;

// Does not compile when a StageName has no descriptor (or a descriptor names an unknown stage).
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type EveryStageHasADescriptor = Assert<SameKeys<(typeof PROCESSORS)[number]['stage'], StageName>>;

/** Every ProcessorConfig key, in Hugging Face processor order. */
export const PROCESSOR_KEYS: readonly (keyof ProcessorConfig)[] = PROCESSORS.flatMap((d) => d.keys);

const BY_STAGE = new Map<StageName, ProcessorDescriptor>(PROCESSORS.map((d) => [d.stage, d]));

export function processorOf(stage: StageName): ProcessorDescriptor {
  return BY_STAGE.get(stage)!;
}

/**
 * The active processors of a config, in HF order, each validated (RangeError on an out-of-range
 * value; the config layer validates before this, so this guards direct kernel calls).
 */
export function activeProcessors(c: ProcessorConfig): ProcessorDescriptor[] {
  const active = PROCESSORS.filter((d) => d.isActive(c));
  for (const d of active) d.check(c);
  return active;
}

/** The waterfall's name for a stage (the stage name itself for one it does not know). */
export function stageLabel(name: string): string {
  return BY_STAGE.get(name as StageName)?.label ?? name;
}
