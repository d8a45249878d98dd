/**
 * The shape of one entry of the parameter table (params.ts). Separate from the table so that the
 * processor descriptors (kernels/processors/) can declare their own keys without importing it.
 */
export type ParamGroup = 'model' | 'run' | 'processor' | 'strategy' | 'speculative';

interface Base {
  label: string;
  /** One line for the UI and docs: what the value does. */
  help: string;
  group: ParamGroup;
  /** Show this control only when that boolean parameter is on. */
  enabledBy?: 'relaxed_acceptance';
}
export interface IntSpec extends Base {
  kind: 'int';
  default: number;
  min: number;
  max: number;
  /** Special meaning of the minimum, e.g. "off". */
  minMeans?: string;
  /** Extra validation of an in-range value: undefined when valid, else why not (for the warning). */
  check?: (v: number) => string | undefined;
}
export interface FloatSpec extends Base {
  kind: 'float';
  default: number;
  min: number;
  max: number;
  /** Slider step for the UI; values are not snapped to it. */
  step: number;
  /** Logarithmic slider (tiny cutoffs). */
  log?: boolean;
  unit?: string;
}
export interface EnumSpec extends Base {
  kind: 'enum';
  values: readonly string[];
  default: string;
}
export interface BoolSpec extends Base {
  kind: 'bool';
  default: boolean;
}
export interface TextSpec extends Base {
  kind: 'text';
  default: string;
  /** Limit in code points. */
  maxChars: number;
  /** Too long: keep the first maxChars (prompt: the user's text matters more) instead of falling back. */
  truncate?: boolean;
  multiline?: boolean;
  /** Extra validation: undefined when valid, else why not (for the warning). */
  check?: (s: string) => string | undefined;
  /** What a valid value looks like, for the docs (with `check`). */
  format?: string;
  /** Values the UI offers in a drop-down (any other valid text may still be typed). */
  suggestions?: readonly string[];
}
export interface ListSpec extends Base {
  kind: 'list';
  default: readonly string[];
  maxItems: number;
  maxItemChars: number;
}
export type ParamSpec = IntSpec | FloatSpec | EnumSpec | BoolSpec | TextSpec | ListSpec;


/** The value type a spec gives its key in a DecodeConfig. */
export type ValueOf<S> = S extends { kind: 'int' | 'float' }
  ? number
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'text' }
      ? string
      : S extends { kind: 'list' }
        ? readonly string[]
        : S extends { kind: 'enum'; values: readonly (infer V)[] }
          ? V
          : never;

