/**
 * Compute pipelines, built once per GPUDevice and shared by every WebGpuKernels on that device
 * (WeakMap: a destroyed or collected device takes its pipelines with it).
 *
 * Each shader module is rng.wgsl + the generated prelude (wgsl-prelude.ts) + kernels-common.wgsl +
 * select.wgsl + one logits variant (f32, or f16 packed in u32 for adapters without shader-f16) +
 * one kernel family file (shaderCode). Each kernel has its own
 * bind-group layout listing the buffers its entry point uses (KERNEL_BINDINGS), so a binding
 * number means one buffer everywhere.
 */
import { WebGpuKernelsError } from './errors.ts';
import type { ShaderSources } from './shader-source.ts';
import { WGSL_PRELUDE } from './wgsl-prelude.ts';
import { loadShaderSources } from './shader-source.ts';

export type Variant = 'f32' | 'f16';
export type KernelName = 'stats' | 'process' | 'probs' | 'sample' | 'verify' | 'verifyTree' | 'draw';

export const KERNEL_ENTRY: Record<KernelName, { file: KernelFile; entry: string }> = {
  stats: { file: 'stats', entry: 'stats_main' },
  process: { file: 'process', entry: 'process_main' },
  probs: { file: 'process', entry: 'probs_main' },
  sample: { file: 'sample', entry: 'sample_main' },
  verify: { file: 'verify', entry: 'verify_chain_main' },
  verifyTree: { file: 'verify', entry: 'verify_tree_main' },
  draw: { file: 'draw', entry: 'draw_main' },
};

/** Every buffer a kernel binds, at the binding number its WGSL declaration has (group 0). */
export const BINDINGS = {
  logits: { binding: 0, type: 'read-only-storage' }, // target logits (logits-f32.wgsl / logits-f16.wgsl)
  dims: { binding: 1, type: 'uniform' }, // call dimensions and verify keys (Dims)
  params: { binding: 2, type: 'read-only-storage' }, // per-row processor params (RowParams)
  aux: { binding: 3, type: 'read-only-storage' }, // u32: draft tokens / tree layout / uniforms, then context ids
  xbuf: { binding: 4, type: 'storage' }, // processed logits
  outw: { binding: 5, type: 'storage' }, // per-row output blocks and the verify result block (the readback)
  auxf: { binding: 6, type: 'storage' }, // dense probabilities: kept processed rows, or verify's next distribution
  clist: { binding: 7, type: 'storage' }, // candidate lists (process)
  draftQ: { binding: 8, type: 'read-only-storage' }, // draft distributions packed [rows, vocab] (verify.wgsl)
} as const satisfies Record<string, { binding: number; type: GPUBufferBindingType }>;

export type BindingName = keyof typeof BINDINGS;

/**
 * The bindings each entry point uses, helpers from kernels-common.wgsl included (WebGPU requires
 * a pipeline's layout to cover them; the tests check that none is listed in vain). The verify
 * kernels reach `logits` only through shared helpers they never call with raw logits.
 */
export const KERNEL_BINDINGS: Record<KernelName, readonly BindingName[]> = {
  stats: ['logits', 'dims', 'xbuf', 'outw', 'auxf', 'clist'],
  process: ['logits', 'dims', 'params', 'aux', 'xbuf', 'outw', 'auxf', 'clist'],
  probs: ['dims', 'xbuf', 'outw', 'auxf'],
  sample: ['logits', 'dims', 'params', 'xbuf', 'outw'],
  verify: ['logits', 'dims', 'aux', 'xbuf', 'outw', 'auxf', 'clist', 'draftQ'],
  verifyTree: ['logits', 'dims', 'aux', 'xbuf', 'outw', 'auxf', 'clist', 'draftQ'],
  draw: ['dims', 'aux', 'outw', 'auxf'],
};

export type KernelFile = 'stats' | 'process' | 'sample' | 'verify' | 'draw';

/** The WGSL of one shader module: the shared files, a logits variant and a kernel family file. */
export function shaderCode(src: ShaderSources, file: KernelFile, variant: Variant): string {
  return [src.rng, WGSL_PRELUDE, src['kernels-common'], src.select, variant === 'f32' ? src['logits-f32'] : src['logits-f16'], src[file]].join('\n');
}

/** Kernels that read the logits compile per logits variant; the others read none and compile once, as f32. */
export function pipelineVariant(kernel: KernelName, logits: Variant): Variant {
  return kernel === 'stats' || kernel === 'process' || kernel === 'sample' ? logits : 'f32';
}

/** A bind-group layout holding `names` (tests use it to check KERNEL_BINDINGS). */
export function bindGroupLayout(device: GPUDevice, label: string, names: readonly BindingName[]): GPUBindGroupLayout {
  return device.createBindGroupLayout({
    label,
    entries: names.map((n) => ({ binding: BINDINGS[n].binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: BINDINGS[n].type } })),
  });
}

export class Pipelines {
  private readonly layouts = new Map<KernelName, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
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
  }

  /** The bind-group layout of a kernel (one per kernel, shared by its f32 and f16 pipelines). */
  layout(name: KernelName): GPUBindGroupLayout {
    return this.layoutsOf(name).group;
  }

  private layoutsOf(name: KernelName): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    let l = this.layouts.get(name);
    if (!l) {
      const group = bindGroupLayout(this.device, name, KERNEL_BINDINGS[name]);
      l = { group, pipeline: this.device.createPipelineLayout({ label: name, bindGroupLayouts: [group] }) };
      this.layouts.set(name, l);
    }
    return l;
  }

  private module(file: KernelFile, variant: Variant): GPUShaderModule {
    const key = `${file}:${variant}`;
    let m = this.modules.get(key);
    if (!m) {
      m = this.device.createShaderModule({ label: key, code: shaderCode(this.src, file, variant) });
      this.modules.set(key, m);
    }
    return m;
  }

  /** A pipeline compiled by an earlier `get` (encoding must not await: see DeviceCalls.scoped). */
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
      const { file, entry } = KERNEL_ENTRY[name];
      const module = this.module(file, variant);
      p = this.device
        .createComputePipelineAsync({
          label: key,
          layout: this.layoutsOf(name).pipeline,
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

const perDevice = new WeakMap<GPUDevice, Promise<Pipelines>>();

export function pipelinesFor(device: GPUDevice): Promise<Pipelines> {
  let p = perDevice.get(device);
  if (!p) {
    p = loadShaderSources().then((src) => new Pipelines(device, src));
    perDevice.set(device, p);
  }
  return p;
}
