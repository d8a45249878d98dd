/**
 * Runs one processor descriptor's CPU implementation on a small row, for hand-checked unit tests:
 * -inf (null) entries start removed, as the row loader leaves them.
 */
import { normalizer, type RowState } from '../../src/engine/kernels/cpu/row.ts';
import type { ProcessorDescriptor } from '../../src/engine/kernels/processors/descriptor.ts';
import type { ProcessorConfig } from '../../src/engine/kernels/types.ts';

export function runCpuStage(d: ProcessorDescriptor, config: ProcessorConfig, logits: (number | null)[], contextIds?: number[]): number[] {
  const s = Float64Array.from(logits, (x) => (x === null ? -Infinity : x));
  const ids = [...s.keys()].filter((i) => s[i] !== -Infinity);
  const st: RowState = { vocab: s.length, s, idx: Int32Array.from(ids), n: ids.length };
  d.check(config);
  d.cpu(config).apply(st, normalizer(st), { contextIds, temperature: 1 });
  return Array.from(st.s);
}
