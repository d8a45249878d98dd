import type { ParamSpec, ValueOf } from '../../config/param-spec.ts';
import type { Processor, ProcessorState } from '../cpu/processors/processor.ts';

/** The URL keys of one processor: key -> its entry in the parameter table (group 'processor'). */
export type ProcessorParams = Readonly<Record<string, ParamSpec & { group: 'processor' }>>;

/** The values a processor reads: its own keys, each optional (omitted = the neutral default). */
export type ValuesOf<P extends ProcessorParams> = { readonly [K in keyof P]?: ValueOf<P[K]> };

export type { ProcessorState } from '../cpu/processors/processor.ts';

/** A field of the generated WGSL RowParams struct. */
export type GpuFieldType = 'f32' | 'u32';

/** What a processor may ask of the row packer besides its own fields. */
export interface GpuRowInputs {
  /** Appends u32 words to the aux buffer and returns the offset of the first one. */
  aux(words: ArrayLike<number>): number;
  /** The row's RNG key (rng.ts): seed, step and sub-stream. */
  seed: number;
  step: number;
  sub: number;
  /** The row's carried processor state (RowRequest.state); absent before the first step. */
  state?: ProcessorState;
}

/**
 * Everything the engine knows about one logits processor, in one place. The registry lists these
 * in the default (Hugging Face) order, and every per-processor list derives from it: the URL keys
 * and their docs, the config type, the CPU chain, the WGSL stage codes and RowParams fields (the
 * shader header is generated from the table, see webgpu/wgsl-prelude.ts), the row packing and the
 * waterfall labels. Adding a processor: a descriptor file, one line in registry.ts, a stage branch
 * in shaders/process.wgsl (and the regenerated docs/url-parameters.md).
 */
export interface ProcessorDescriptor<S extends string = string, P extends ProcessorParams = ProcessorParams> {
  /** Stage name: reported in the row stats, used in `sampler_order` lists, `ST_<NAME>` in WGSL. */
  readonly stage: S;
  /** Name shown in the waterfall chart. */
  readonly label: string;
  /** Its URL keys with type, default (the neutral value), range and a one-line help. */
  readonly params: P;
  /** The processor joins the chain only when a value is not the neutral one (the HF rule). */
  isActive(c: ValuesOf<P>): boolean;
  /** Throws a RangeError for an out-of-range value (called only when active, on both backends). */
  check(c: ValuesOf<P>): void;
  /**
   * A processor whose distribution depends on what was sampled before (mirostat's mu): the state
   * it starts from and how a step that chose a token of processed probability `chosenProb`
   * advances it. Strategies carry it through registry.ts initialState / nextState; only those that
   * do list the processor's keys (config/strategies.ts).
   */
  readonly state?: {
    init(c: ValuesOf<P>): ProcessorState;
    next(c: ValuesOf<P>, state: ProcessorState, chosenProb: number): ProcessorState;
  };
  /**
   * The processor draws from the row's RNG key (XTC): the distribution is random given the logits,
   * so speculative verification, which rebuilds target rows under its own keys, does not read it.
   */
  readonly draws?: boolean;
  /** The CPU reference implementation for a checked config. */
  cpu(c: ValuesOf<P>): Processor;
  readonly gpu: {
    /** Its RowParams fields (WGSL names), appended to the generated struct in registry order. */
    readonly fields: Readonly<Record<string, GpuFieldType>>;
    /** The field values for a row (neutral values when off). */
    pack(c: ValuesOf<P>, row: GpuRowInputs): Readonly<Record<string, number>>;
    /** Reads the row's context (distinct ids, their counts, the sequence) from aux. */
    readonly usesContext?: boolean;
  };
}

export function checkRange(name: string, v: number, lo: number, hi: number, loOpen = false, hiOpen = false): void {
  const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) {
    throw new RangeError(`${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`);
  }
}

/** A descriptor with its literal types kept (stage name, keys), for the registry's derived types. */
export function processor<const S extends string, const P extends ProcessorParams>(d: ProcessorDescriptor<S, P>): ProcessorDescriptor<S, P> {
  return d;
}
