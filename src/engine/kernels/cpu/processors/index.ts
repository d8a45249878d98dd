import { activeProcessors, PROCESSOR_KEYS } from '../../processors/registry.ts';
import type { ProcessorConfig } from '../../types.ts';
import type { Processor } from './processor.ts';

export type { Processor, RowContext } from './processor.ts';

/** Chains built per config object, with the values they were built from. */
const built = new WeakMap<ProcessorConfig, { values: unknown[]; chain: Processor[] }>();

/**
 * The processor chain for a config: the active processors of the registry, in Hugging Face order,
 * so the reported stages are exactly the active ones. Throws RangeError on out-of-range values.
 *
 * A strategy passes the same config object at every step, and processors keep no state of their
 * own (it travels in RowContext), so the chain is built once per object: with the row's arrays
 * cold after a forward, walking the registry each step cost as much as a pass over 4,096 logits.
 * A config whose values changed since is built (and validated) again.
 */
export function buildChain(c: ProcessorConfig): Processor[] {
  const hit = built.get(c);
  if (hit && PROCESSOR_KEYS.every((k, i) => Object.is(c[k], hit.values[i]))) return hit.chain;
  const chain = activeProcessors(c).map((d) => d.cpu(c));
  built.set(c, { values: PROCESSOR_KEYS.map((k) => c[k]), chain });
  return chain;
}
