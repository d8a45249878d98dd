/**
 * What a strategy would read back on the GPU path, measured on the CPU path (Node has no WebGPU
 * model path): kernels that add up, per call, the bytes the WebGPU kernels copy back for it (one
 * header + top-k block per row) and count full reads (`readProbs`, JS logits uploaded with
 * `createLogits`), plus the runners' full-logits reads (`readLogits`).
 */
import type { Engine } from '../../src/engine/generate.ts';
import { clampTopK } from '../../src/engine/kernels/limits.ts';
import type { Kernels } from '../../src/engine/kernels/types.ts';
import { rowStride } from '../../src/engine/kernels/webgpu/layout.ts';

export interface ReadbackProbe {
  engine: Engine;
  /** Bytes the WebGPU kernels would read back for the `step` calls so far. */
  stepBytes: number;
  /** `readProbs` calls (full distributions read back). */
  probReads: number;
  /** Full rows read: `readLogits` on the target and draft, `readProbs`, uploads of JS logits. */
  fullReads(): number;
}

export function readbackProbe(engine: Engine): ReadbackProbe {
  const runners = [engine.target, engine.draft].filter((r) => r !== undefined);
  const runnerReads0 = runners.reduce((a, r) => a + r.fullLogitsReads, 0);
  let kernelReads = 0;
  const k = engine.kernels;
  const probe: ReadbackProbe = {
    engine: { ...engine },
    stepBytes: 0,
    probReads: 0,
    fullReads: () => kernelReads + runners.reduce((a, r) => a + r.fullLogitsReads, 0) - runnerReads0,
  };
  const kernels: Kernels = Object.create(k);
  kernels.step = async (logits, request) => {
    probe.stepBytes += request.rows.length * rowStride(clampTopK(request.topK)) * 4;
    return k.step(logits, request);
  };
  kernels.readProbs = async (ref) => {
    kernelReads++;
    probe.probReads++;
    return k.readProbs(ref);
  };
  kernels.createLogits = async (data, rows, vocab) => {
    kernelReads++;
    return k.createLogits(data, rows, vocab);
  };
  probe.engine.kernels = kernels;
  return probe;
}
