/**
 * `npx tsx tools/gguf/main.ts [--model playground/brown-target-v1] [--type F32|F16] --out FILE.gguf`:
 * one of our hub folders (public/models/<id>) as a llama.cpp GGUF (see llama.ts).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { llamaGguf } from './llama.ts';
import type { TensorType } from './writer.ts';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

function flag(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

const model = flag('model', 'playground/brown-target-v1');
const type = flag('type', 'F32') as TensorType;
if (type !== 'F32' && type !== 'F16') throw new Error(`--type ${type}: F32 or F16`);
const out = resolve(flag('out'));
const bytes = llamaGguf(resolve(REPO, 'public/models', model), { type });
writeFileSync(out, bytes);
process.stdout.write(`wrote ${out} (${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${type})\n`);
