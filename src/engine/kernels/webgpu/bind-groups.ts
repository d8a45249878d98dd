/**
 * Bind groups cached by kernel and buffers. The pooled buffers change only when a slot grows, so a
 * steady decode loop builds its bind groups once; calls with new buffers (ORT's logits of each
 * forward, a kept distribution) miss, and the least recently used entries beyond CAPACITY go.
 */
import { WebGpuKernelsError } from './errors.ts';
import type { BindingName, KernelName, Pipelines } from './pipelines.ts';
import { BINDINGS, KERNEL_BINDINGS } from './pipelines.ts';

const CAPACITY = 64;

export type KernelBuffers = Partial<Record<BindingName, GPUBuffer>>;

export class BindGroupCache {
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  private readonly groups = new Map<string, GPUBindGroup>();

  constructor(
    private readonly device: GPUDevice,
    private readonly pipes: Pipelines,
  ) {}

  /** The bind group of `kernel` over `buffers` (every binding the kernel uses must be given). */
  get(kernel: KernelName, buffers: KernelBuffers): GPUBindGroup {
    const names = KERNEL_BINDINGS[kernel];
    const bound = names.map((name) => {
      const buffer = buffers[name];
      if (!buffer) throw new WebGpuKernelsError('internal', `kernel ${kernel} needs buffer "${name}"`);
      return buffer;
    });
    const key = `${kernel}:${bound.map((b) => this.idOf(b)).join(',')}`;
    let group = this.groups.get(key);
    if (group) {
      this.groups.delete(key); // re-inserted below: most recently used last
    } else {
      group = this.device.createBindGroup({
        label: kernel,
        layout: this.pipes.layout(kernel),
        entries: names.map((name, i) => ({ binding: BINDINGS[name].binding, resource: { buffer: bound[i] } })),
      });
      if (this.groups.size >= CAPACITY) this.groups.delete(this.groups.keys().next().value as string);
    }
    this.groups.set(key, group);
    return group;
  }

  clear(): void {
    this.groups.clear();
  }

  private idOf(buffer: GPUBuffer): number {
    let id = this.ids.get(buffer);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(buffer, id);
    }
    return id;
  }
}
