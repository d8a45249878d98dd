/**
 * Token neighbours in embedding space for relaxed (LANTERN-style) acceptance, precomputed from the
 * model's embedding initializer by `tools/neighbors.mjs` into `<model dir>/neighbors.json`:
 * { vocab, width, metric, neighbors: flat [vocab x width] ids, nearest first, self excluded }.
 * Loaded once per model (fetch in the browser, the file system in Node); null when absent.
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
