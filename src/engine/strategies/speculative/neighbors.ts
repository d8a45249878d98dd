/**
 * Token neighbours in embedding space for relaxed (LANTERN-style) acceptance, read from
 * `<model dir>/neighbors.json` once per model (fetch in the browser, the file system in Node);
 * null when the file is absent. `tools/build-neighbors.mjs` builds the file from the model's
 * token embedding; rebuild it after retraining the model.
 *
 * neighbors.json, one JSON object:
 *   model      the model id, e.g. "playground/brown-target-v1" (informative)
 *   source     the embedding it was computed from, e.g. "onnx/model.onnx initializer m.embed_tokens.weight" (informative)
 *   metric     the similarity, "cosine" (informative)
 *   vocab      vocabulary size: relaxed acceptance falls back to exact acceptance when it is not the model's
 *   width      neighbours per token
 *   neighbors  flat [vocab x width] token ids: row t lists the `width` tokens nearest to t, nearest
 *              first, t itself excluded
 */
import { env } from '@huggingface/transformers';

export interface Neighbors {
  vocab: number;
  width: number;
  neighbors: Int32Array;
}

const cache = new Map<string, Promise<Neighbors | null>>();

function parse(text: string): Neighbors {
  const j = JSON.parse(text) as { vocab: number; width: number; neighbors: number[] };
  if (!Number.isInteger(j.vocab) || !Number.isInteger(j.width) || j.neighbors.length !== j.vocab * j.width) {
    throw new Error('neighbors.json: neighbors must be a flat vocab x width list');
  }
  return { vocab: j.vocab, width: j.width, neighbors: Int32Array.from(j.neighbors) };
}

async function read(modelId: string): Promise<Neighbors | null> {
  const base = String(env.localModelPath ?? '/models/');
  const path = `${base.endsWith('/') ? base : base + '/'}${modelId}/neighbors.json`;
  const inNode = typeof window === 'undefined' && typeof process !== 'undefined' && !!process.versions?.node;
  try {
    if (inNode) {
      const fsName = 'node:fs/promises';
      const fs = (await import(/* @vite-ignore */ fsName)) as { readFile(p: string, enc: string): Promise<string> };
      return parse(await fs.readFile(path, 'utf8'));
    }
    const res = await fetch(path);
    if (!res.ok) return null;
    return parse(await res.text());
  } catch {
    return null;
  }
}

export function loadNeighbors(modelId: string): Promise<Neighbors | null> {
  let p = cache.get(modelId);
  if (!p) {
    p = read(modelId);
    cache.set(modelId, p);
  }
  return p;
}
