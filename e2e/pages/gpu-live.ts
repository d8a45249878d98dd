/**
 * Live bytes and count of every GPUBuffer created and not destroyed, ORT's included (its WebGPU
 * backend allocates through the JS API): how the e2e tests and benchmarks see GPU memory growth.
 * Importing this module installs the counters once.
 */
export const gpuLive = { bytes: 0, buffers: 0 };

const sizes = new WeakMap<GPUBuffer, number>();
if (typeof GPUDevice !== 'undefined') {
  const create = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (desc: GPUBufferDescriptor) {
    const b = create.call(this, desc);
    sizes.set(b, desc.size);
    gpuLive.bytes += desc.size;
    gpuLive.buffers++;
    return b;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () {
    const s = sizes.get(this);
    if (s !== undefined) {
      gpuLive.bytes -= s;
      gpuLive.buffers--;
      sizes.delete(this);
    }
    return destroy.call(this);
  };
}
