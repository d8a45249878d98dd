/**
 * `drawFromProbs` on WebGPU: one workgroup per request walks the kept distribution (shaders/
 * draw.wgsl); only the drawn ids and their probabilities come back (2 words per draw).
 */
import { checkDrawUniforms } from '../limits.ts';
import type { DrawRequest, DrawResult, ProbsHandle } from '../types.ts';
import type { GpuContext } from './context.ts';
import { packDims } from './params.ts';

/** aux words before a request's uniforms: row, count, flags, 0. */
const HEAD = 4;
const NONE = 0xffffffff;

export async function runDraw(ctx: GpuContext, probs: ProbsHandle, requests: DrawRequest[]): Promise<DrawResult> {
  if (requests.length === 0) return { draws: [], bytesReadBack: 0 };
  if (requests.length > 65535) throw new RangeError(`drawFromProbs: at most 65535 requests per call, got ${requests.length}`);
  let buffer: GPUBuffer | undefined;
  let vocab = 0;
  for (const r of requests) {
    checkDrawUniforms(r.uniforms);
    ({ buffer, vocab } = ctx.probsRow({ probs, row: r.row }));
  }
  const most = Math.max(...requests.map((r) => r.uniforms.length));
  const stride = HEAD + most;
  const words = new Uint32Array(requests.length * stride);
  const floats = new Float32Array(words.buffer);
  requests.forEach((r, i) => {
    words.set([r.row, r.uniforms.length, r.withoutReplacement ? 1 : 0, 0], i * stride);
    floats.set(r.uniforms, i * stride + HEAD);
  });
  const aux = ctx.pool.aux.get(words.byteLength);
  ctx.device.queue.writeBuffer(aux, 0, words);
  ctx.device.queue.writeBuffer(ctx.pool.dims, 0, packDims({ vocab, rows: requests.length, topk: most, stride, inOffset: 0 }));
  const bytes = requests.length * 2 * most * 4;
  const outw = ctx.pool.outw.get(bytes);
  const enc = ctx.device.createCommandEncoder({ label: 'draw' });
  const pass = enc.beginComputePass({ label: 'draw' });
  ctx.dispatch(pass, 'draw', 'f32', requests.length, { dims: ctx.pool.dims, aux, outw, auxf: buffer! });
  pass.end();
  const out = await ctx.readResults(enc, outw, bytes, undefined);
  const draws = requests.map((r, i) => {
    const at = i * 2 * most;
    const tokens: number[] = [];
    const q: number[] = [];
    for (let k = 0; k < r.uniforms.length; k++) {
      if (out.w[at + k] === NONE) continue;
      tokens.push(out.w[at + k]);
      q.push(out.f[at + most + k]);
    }
    return { tokens, q };
  });
  return { draws, bytesReadBack: bytes };
}
