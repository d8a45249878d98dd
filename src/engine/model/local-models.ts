/**
 * Models in a local folder laid out like the hub (`<dir>/<org>/<name>/config.json`, `onnx/*.onnx`),
 * for the CLI's --models-dir. Checks that the model is there before anything loads, and picks the
 * weights file for dtype=auto from the files the folder actually ships.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DType } from './runner.ts';

/** dtype -> file name under onnx/, as transformers.js names them. */
export const DTYPE_FILES: Record<DType, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
};

/** Preference on the CPU when the folder does not name one: the smallest float-I/O file first. */
const CPU_PREFERENCE: DType[] = ['q8', 'fp32', 'q4', 'fp16', 'q4f16'];

export class LocalModelError extends Error {}

/** Throws a LocalModelError that says what is missing; returns the model's folder. */
export function checkLocalModel(modelsDir: string, model: string): string {
  if (!fs.existsSync(modelsDir) || !fs.statSync(modelsDir).isDirectory()) throw new LocalModelError(`--models-dir ${modelsDir} is not a folder`);
  const dir = path.join(modelsDir, model);
  if (!fs.existsSync(path.join(dir, 'config.json'))) {
    const found = listLocalModels(modelsDir);
    throw new LocalModelError(`no model ${model} in ${modelsDir} (no ${model}/config.json)${found.length ? `; found: ${found.join(', ')}` : ''}`);
  }
  return dir;
}

/** The dtype to load for dtype=auto: config.json's transformers.js_config.dtype if it ships that file, else the first the folder has. */
export function localAutoDType(modelDir: string): DType {
  const has = (d: DType) => fs.existsSync(path.join(modelDir, 'onnx', DTYPE_FILES[d]));
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const named = (config['transformers.js_config'] as { dtype?: unknown } | undefined)?.dtype;
  if (typeof named === 'string' && named in DTYPE_FILES && has(named as DType)) return named as DType;
  const first = CPU_PREFERENCE.find(has);
  if (!first) throw new LocalModelError(`${modelDir}/onnx has none of ${Object.values(DTYPE_FILES).join(', ')}`);
  return first;
}

/** `org/name` ids of the hub-layout models directly under `modelsDir`. */
export function listLocalModels(modelsDir: string): string[] {
  const out: string[] = [];
  for (const org of safeDir(modelsDir)) {
    for (const name of safeDir(path.join(modelsDir, org))) {
      if (fs.existsSync(path.join(modelsDir, org, name, 'config.json'))) out.push(`${org}/${name}`);
    }
  }
  return out.sort();
}

function safeDir(p: string): string[] {
  try {
    return fs.readdirSync(p, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}
