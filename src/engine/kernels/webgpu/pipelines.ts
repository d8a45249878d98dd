/**
 * Compute pipelines, built once per GPUDevice and shared by every WebGpuKernels on that device
 * (WeakMap: a destroyed or collected device takes its pipelines with it).
 *
 * Each shader module is rng.wgsl + kernels-common.wgsl + one logits variant (f32, or f16 packed in
 * u32 for adapters without shader-f16) + one kernel family file. All kernels share one explicit
 * bind-group layout, so one bind group serves the stats -> process -> sample chain of a step.
 */
import { WebGpuKernelsError } from './errors.ts';
import type { ShaderSources } from './shader-source.ts';
import { loadShaderSources } from './shader-source.ts';

export type Variant = 'f32' | 'f16';
export type KernelName = 'stats' | 'process' | 'probs' | 'sample' | 'verify' | 'verifyTree';

const ENTRY: Record<KernelName, { file: 'stats' | 'process' | 'sample' | 'verify'; entry: string }> = {
  stats: { file: 'stats', entry: 'stats_main' },
  process: { file: 'process', entry: 'process_main' },
  probs: { file: 'process', entry: 'probs_main' },
  sample: { file: 'sample', entry: 'sample_main' },
  verify: { file: 'verify', entry: 'verify_chain_main' },
  verifyTree: { file: 'verify', entry: 'verify_tree_main' },
};

export class Pipelines {
  readonly layout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly ready = new Map<string, GPUComputePipeline>();
  /** Workgroup size (override WG) and reduction fan-in (RG); see kernels-common.wgsl. */
  readonly workgroup: { WG: number; RG: number };

  constructor(
    readonly device: GPUDevice,
    private readonly src: ShaderSources,
    workgroup?: { WG: number; RG: number },
  ) {
    // Software adapters emulate each barrier with a context switch per SIMD group: 64 invocations
    // per row run the same work several times faster there. GPUs keep 256.
    const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
    const software = info?.isFallbackAdapter === true || info?.architecture === 'swiftshader';
    this.workgroup = workgroup ?? (software ? { WG: 64, RG: 8 } : { WG: 256, RG: 16 });
    const ro: GPUBufferBindingLayout = { type: 'read-only-storage' };
    const rw: GPUBufferBindingLayout = { type: 'storage' };
    const vis = GPUShaderStage.COMPUTE;
    this.layout = device.createBindGroupLayout({
      label: 'decoding-kernels',
      entries: [
        { binding: 0, visibility: vis, buffer: ro }, // logits (or draft q rows)
        { binding: 1, visibility: vis, buffer: { type: 'uniform' } }, // dims
        { binding: 2, visibility: vis, buffer: ro }, // per-row params
        { binding: 3, visibility: vis, buffer: ro }, // aux u32: context ids / draft tokens + uniforms
        { binding: 4, visibility: vis, buffer: rw }, // processed logits
        { binding: 5, visibility: vis, buffer: rw }, // per-row output blocks (the readback)
        { binding: 6, visibility: vis, buffer: rw }, // dense probabilities out
        { binding: 7, visibility: vis, buffer: rw }, // candidate lists (process)
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
  }

  private module(file: 'stats' | 'process' | 'sample' | 'verify', variant: Variant): GPUShaderModule {
    const key = `${file}:${variant}`;
    let m = this.modules.get(key);
    if (!m) {
      const s = this.src;
      const code = [s.rng, s['kernels-common'], variant === 'f32' ? s['logits-f32'] : s['logits-f16'], s[file]].join('\n');
      m = this.device.createShaderModule({ label: key, code });
      this.modules.set(key, m);
    }
    return m;
  }

  sync(name: KernelName, variant: Variant = 'f32'): GPUComputePipeline {
    const p = this.ready.get(`${name}:${variant}`);
    if (!p) throw new WebGpuKernelsError('internal', `pipeline ${name}:${variant} used before it was compiled`);
    return p;
  }

  /** The pipeline for a kernel; compiled on first use, then reused for the device's lifetime. */
  get(name: KernelName, variant: Variant = 'f32'): Promise<GPUComputePipeline> {
    const key = `${name}:${variant}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const { file, entry } = ENTRY[name];
      const module = this.module(file, variant);
      p = this.device
        .createComputePipelineAsync({
          label: key,
          layout: this.pipelineLayout,
          compute: { module, entryPoint: entry, constants: { ...this.workgroup } },
        })
        .catch(async (err: unknown) => {
          const info = await module.getCompilationInfo().catch(() => undefined);
          const msgs = info?.messages.filter((x) => x.type === 'error').map((x) => `${x.lineNum}:${x.linePos} ${x.message}`) ?? [];
          throw new WebGpuKernelsError('internal', `pipeline ${key} failed: ${err instanceof Error ? err.message : String(err)}${msgs.length ? '\n' + msgs.join('\n') : ''}`);
        })
        .then((pl) => {
          this.ready.set(key, pl);
          return pl;
        });
      this.pipelines.set(key, p);
    }
    return p;
  }
}

export interface PipelineSet {
  /** A pipeline compiled by an earlier `get` (encoding must not await: see WebGpuKernels.scoped). */
  sync(name: KernelName, variant?: Variant): GPUComputePipeline;
}

const perDevice = new WeakMap<GPUDevice, Promise<Pipelines>>();

export function pipelinesFor(device: GPUDevice): Promise<Pipelines> {
  let p = perDevice.get(device);
  if (!p) {
    p = loadShaderSources().then((src) => new Pipelines(device, src));
    perDevice.set(device, p);
  }
  return p;
}
