import { useEffect, useState } from 'react';
import { probeCapabilities, type Capabilities } from '../engine/capabilities.ts';

const MiB = 1024 * 1024;

/** Shows which backend the models will run on and why. */
export function CapabilityPanel() {
  const [caps, setCaps] = useState<Capabilities | null>(null);
  useEffect(() => {
    let live = true;
    void probeCapabilities().then((c) => live && setCaps(c));
    return () => {
      live = false;
    };
  }, []);

  if (!caps) return <section className="panel" aria-busy="true" data-testid="capabilities">Checking WebGPU…</section>;
  if (!caps.webgpu) {
    return (
      <section className="panel capabilities" data-testid="capabilities" data-webgpu="false">
        <h2>Backend</h2>
        <p className="warn">
          <strong>WebGPU unavailable: running on WASM.</strong> {caps.reason}. Decoding still works, on the CPU; use a
          recent Chrome or Edge (or enable WebGPU) for the GPU path.
        </p>
      </section>
    );
  }
  return (
    <section className="panel capabilities" data-testid="capabilities" data-webgpu="true">
      <h2>Backend: WebGPU</h2>
      <dl>
        <dt>Adapter</dt>
        <dd data-testid="adapter">
          {caps.vendor} / {caps.architecture}
          {caps.isFallbackAdapter ? ' (software fallback)' : ''}
        </dd>
        <dt>shader-f16</dt>
        <dd data-testid="shader-f16">{caps.shaderF16 ? 'yes (fp16 models allowed)' : 'no (fp32 / q8 / q4 models only)'}</dd>
        <dt>Max storage binding</dt>
        <dd>{Math.round(caps.limits.maxStorageBufferBindingSize / MiB)} MiB</dd>
        <dt>Max buffer</dt>
        <dd>{Math.round(caps.limits.maxBufferSize / MiB)} MiB</dd>
        <dt>Workgroup</dt>
        <dd>
          {caps.limits.maxComputeInvocationsPerWorkgroup} invocations, {caps.limits.maxComputeWorkgroupStorageSize / 1024} KiB
          shared
        </dd>
      </dl>
    </section>
  );
}
