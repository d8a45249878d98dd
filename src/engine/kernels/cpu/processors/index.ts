import { activeProcessors } from '../../processors/registry.ts';
import type { ProcessorConfig } from '../../types.ts';
import type { Processor } from './processor.ts';

export type { Processor, RowContext } from './processor.ts';

/**
 * The processor chain for a config: the active processors of the registry, in Hugging Face order,
 * so the reported stages are exactly the active ones. Throws RangeError on out-of-range values.
 */
export function buildChain(c: ProcessorConfig): Processor[] {
  return activeProcessors(c).map((d) => d.cpu(c));
}
