import type { Processor } from '../cpu/processors/processor.ts';
import type { ProcessorConfig, StageName } from '../types.ts';

/** The RowParams words of one row (kernels-common.wgsl): f32 and u32 views of the same buffer. */
export interface RowParamWords {
  f: Float32Array;
  u: Uint32Array;
  /** First word of the row. */
  base: number;
}

/**
 * Everything the engine knows about one logits processor, in one place: the registry lists these
 * in Hugging Face order and every per-processor list (config keys, CPU chain, WebGPU flags, slots
 * and params, waterfall labels) is derived from it.
 */
export interface ProcessorDescriptor<S extends StageName = StageName> {
  /** Stage name reported in the row stats. */
  readonly stage: S;
  /** The ProcessorConfig keys this processor reads, in the order PROCESSOR_KEYS lists them. */
  readonly keys: readonly (keyof ProcessorConfig)[];
  /** Name shown in the waterfall chart. */
  readonly label: string;
  /** HF rule: the processor joins the chain only when its value is not the neutral one. */
  isActive(c: ProcessorConfig): boolean;
  /** Throws a RangeError for an out-of-range value (called only when active, on both backends). */
  check(c: ProcessorConfig): void;
  /** The CPU reference implementation for a checked config. */
  cpu(c: ProcessorConfig): Processor;
  readonly gpu: {
    /**
     * Stage index in process.wgsl: its flag bit is 1 << slot (the shader tests `flags & (1u << st)`)
     * and its kept / removed counts sit at H_KEPT + slot and H_REMOVED + slot.
     */
    readonly slot: number;
    /** Name of the flag constant in kernels-common.wgsl (registry.test.ts checks they agree). */
    readonly wgslFlag: string;
    /** Writes this processor's RowParams fields (neutral values when off). */
    pack(c: ProcessorConfig, w: RowParamWords): void;
  };
}

export function checkRange(name: string, v: number, lo: number, hi: number, loOpen = false, hiOpen = false): void {
  const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) {
    throw new RangeError(`${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
}
