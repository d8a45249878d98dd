/**
 * The Kernels interface on WebGPU. Logits stay on the device: each operation encodes its kernels
 * in one command buffer and reads back only small result blocks, never a distribution — except
 * through `readProbs`, which tests and the golden runner use on purpose.
 *
 * Calls are serialized (one in flight) because they share pooled buffers; every GPU failure comes
 * out as a WebGpuKernelsError so the engine can fall back to the CPU kernels.
 *
 *   step.ts          stats -> process -> sample per row
 *   verify-chain.ts  chain speculative verification
 *   verify-tree.ts   tree (multi-draft) verification
 *   draw.ts          inverse-CDF draws from kept distributions (sampled draft trees)
 *   context.ts       what they share (pooled buffers, bind groups, uploads, readback, handles)
 */
import type {
  ChainVerifyRequest,
  ChainVerifyResult,
  DrawRequest,
  DrawResult,
  Kernels,
  Logits,
  ProbsHandle,
  ProbsRef,
  StepRequest,
  StepResult,
  TreeKernels,
  TreeVerifyRequest,
  TreeVerifyResult,
} from '../types.ts';
import { GpuContext, logitsVariant } from './context.ts';
import type { Pipelines } from './pipelines.ts';
import { runDraw } from './draw.ts';
import { runStep, stepKernels } from './step.ts';
import { runVerifyChain } from './verify-chain.ts';
import { runVerifyTree } from './verify-tree.ts';

export { GpuProbs } from './context.ts';

export interface WebGpuKernelsInfo {
  adapter?: string;
  /** Called by destroy() (e.g. to destroy a device the factory created). */
  onDestroy?: () => void;
}

export class WebGpuKernels implements Kernels, TreeKernels {
  readonly backend = 'webgpu' as const;
  private readonly ctx: GpuContext;
  private destroyed = false;

  constructor(
    readonly device: GPUDevice,
    pipes: Pipelines,
    readonly info: WebGpuKernelsInfo = {},
  ) {
    this.ctx = new GpuContext(device, pipes);
  }

  /** Bytes copied device -> host by step / verify calls since creation (the trace's counter). */
  get bytesReadBackTotal(): number {
    return this.ctx.bytesReadBackTotal;
  }

  /** Bytes copied by readProbs (debug / golden path), kept apart from the per-token figure. */
  get bytesReadBackDebug(): number {
    return this.ctx.bytesReadBackDebug;
  }

  createLogits(data: Float32Array | Float64Array, rows: number, vocab: number): Promise<Logits> {
    return this.ctx.createLogits(data, rows, vocab);
  }

  gatherRows(logits: Logits, rows: readonly number[]): Promise<{ logits: Logits; bytesReadBack: number }> {
    return this.ctx.gatherRows(logits, rows);
  }

  step(logits: Logits, request: StepRequest): Promise<StepResult> {
    return this.ctx.run(stepKernels(request), logitsVariant(logits), () => runStep(this.ctx, logits, request));
  }

  verifyChain(req: ChainVerifyRequest): Promise<ChainVerifyResult> {
    return this.ctx.run(['stats', 'process', 'verify'], logitsVariant(req.target), () => runVerifyChain(this.ctx, req));
  }

  verifyTree(req: TreeVerifyRequest): Promise<TreeVerifyResult> {
    return this.ctx.run(['stats', 'process', 'verifyTree'], logitsVariant(req.target), () => runVerifyTree(this.ctx, req));
  }

  drawFromProbs(probs: ProbsHandle, requests: DrawRequest[]): Promise<DrawResult> {
    return this.ctx.run(['draw'], 'f32', () => runDraw(this.ctx, probs, requests));
  }

  readProbs(ref: ProbsRef): Promise<Float64Array> {
    return this.ctx.readProbs(ref);
  }

  dispose(handle: Logits | ProbsHandle): void {
    this.ctx.dispose(handle);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ctx.destroy();
    this.info.onDestroy?.();
  }
}
