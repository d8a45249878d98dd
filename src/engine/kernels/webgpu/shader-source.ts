/**
 * WGSL sources from /shaders, loaded the same way in the browser (Vite), Vitest and the tsx CLI.
 *
 * Under Vite and Vitest, `import.meta.glob` is replaced at build time by the files' text (?raw),
 * so the browser bundle carries the shaders and never touches a file system. Plain Node (tsx) has
 * no such transform: the call throws, and we read the same files with node:fs instead, through a
 * computed specifier so bundlers never try to include node:fs in the browser build.
 */

const FILES = ['rng', 'kernels-common', 'select', 'logits-f32', 'logits-f16', 'stats', 'process', 'sample', 'verify', 'draw'] as const;
export type ShaderName = (typeof FILES)[number];
export type ShaderSources = Record<ShaderName, string>;

let cached: Promise<ShaderSources> | undefined;
let origin: 'vite' | 'fs' | undefined;

function fromGlob(): ShaderSources | undefined {
  let mods: Record<string, string>;
  try {
    mods = import.meta.glob('../../../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
  } catch {
    return undefined; // not under Vite
  }
  const out: Partial<ShaderSources> = {};
  for (const [path, text] of Object.entries(mods)) {
    const name = path.slice(path.lastIndexOf('/') + 1).replace(/\.wgsl$/, '') as ShaderName;
    out[name] = text;
  }
  return FILES.every((f) => typeof out[f] === 'string') ? (out as ShaderSources) : undefined;
}

async function fromFs(): Promise<ShaderSources> {
  const fsName = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const rel = '../../../../shaders/'; // a variable, so Vite does not try to resolve it as an asset
  const dir = new URL(rel, import.meta.url);
  const out: Partial<ShaderSources> = {};
  for (const f of FILES) out[f] = await fs.readFile(new URL(`${f}.wgsl`, dir), 'utf8');
  return out as ShaderSources;
}

export function loadShaderSources(): Promise<ShaderSources> {
  cached ??= (async () => {
    const g = fromGlob();
    if (g) {
      origin = 'vite';
      return g;
    }
    origin = 'fs';
    return fromFs();
  })();
  return cached;
}

/** Where the sources came from ('vite' in the browser and Vitest, 'fs' under plain tsx). */
export async function shaderSourceOrigin(): Promise<'vite' | 'fs'> {
  await loadShaderSources();
  return origin as 'vite' | 'fs';
}
