/**
 * llama.cpp as a benchmark peer, through node-llama-cpp (its Node binding, prebuilt CPU binary).
 * The package is not a dependency of the project: the llamacpp suite installs the pinned version
 * on demand into bench/.llamacpp (git-ignored) with npm, so `npm install` and `npm test` never
 * fetch its ~80 MB, and only this suite needs the npm registry. Token ids go in and come out
 * directly, so tokenization cannot differ between the two sides.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './common.ts';

export const NODE_LLAMA_CPP_VERSION = '3.21.1';
export const LLAMACPP_DIR = resolve(REPO, 'bench/.llamacpp');

/** The prebuilt binary package for this machine (the CPU build; the CUDA/Vulkan ones are not fetched). */
function binaryPackage(): string {
  const os = { linux: 'linux', win32: 'win', darwin: 'mac' }[process.platform as string];
  if (!os) throw new Error(`node-llama-cpp has no prebuilt binary for ${process.platform}`);
  return `@node-llama-cpp/${os}-${process.arch}${os === 'mac' && process.arch === 'arm64' ? '-metal' : ''}`;
}

function installedVersion(pkg: string): string | undefined {
  const f = resolve(LLAMACPP_DIR, 'node_modules', pkg, 'package.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { version: string }).version : undefined;
}

/** Installs node-llama-cpp and this machine's binary into bench/.llamacpp unless already there. */
export function ensureNodeLlamaCpp(): void {
  const binary = binaryPackage();
  if (installedVersion('node-llama-cpp') === NODE_LLAMA_CPP_VERSION && installedVersion(binary) === NODE_LLAMA_CPP_VERSION) return;
  mkdirSync(LLAMACPP_DIR, { recursive: true });
  process.stdout.write(`installing node-llama-cpp@${NODE_LLAMA_CPP_VERSION} into ${LLAMACPP_DIR} (npm registry)\n`);
  // --omit=optional skips the GPU builds (CUDA, Vulkan: ~600 MB) that are optional dependencies;
  // the CPU binary is named explicitly. --ignore-scripts: the postinstall would try to build
  // llama.cpp from source when no prebuilt binary fits; we want the prebuilt one or an error.
  const args = ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', '--prefix', LLAMACPP_DIR, `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`, `${binary}@${NODE_LLAMA_CPP_VERSION}`];
  try {
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`npm ${args.join(' ')} failed (the llamacpp suite needs the npm registry): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The parts of node-llama-cpp's API the suite uses (the package has no types at compile time here). */
interface NlcSequence {
  evaluate(tokens: number[], opts: { temperature: number; yieldEogToken: boolean }): AsyncGenerator<number, void, number | undefined>;
  evaluateWithMetadata(tokens: number[], meta: { probabilities: true }, opts: { temperature: number; yieldEogToken: boolean }): AsyncGenerator<{ token: number; probabilities: Map<number, number> }, void, number | undefined>;
  clearHistory(): Promise<void>;
}
interface NlcContext {
  getSequence(): NlcSequence;
  dispose(): Promise<void>;
}
interface NlcModel {
  createContext(opts: { contextSize: number; batchSize: number; threads: number }): Promise<NlcContext>;
  dispose(): Promise<void>;
}
interface NlcLlama {
  buildType: string;
  gpu: string | false;
  loadModel(opts: { modelPath: string; gpuLayers: number }): Promise<NlcModel>;
  dispose(): Promise<void>;
}
interface NlcModule {
  getLlama(opts: { gpu: false; build: 'never'; logLevel: string }): Promise<NlcLlama>;
}

export interface LlamaCppInfo {
  version: string;
  binary: string;
  /** 'prebuilt' (from npm) or 'localBuild'. */
  buildType: string;
  threads: number;
}

/** Greedy decoding and teacher-forced argmax checks on one llama.cpp context (CPU only). */
export interface LlamaCppPeer {
  info: LlamaCppInfo;
  /** Greedy (temperature 0) for `n` tokens after the prompt, EOS included as a token; wall ms of the run. */
  greedy(promptIds: number[], n: number): Promise<{ ids: number[]; ms: number }>;
  /**
   * Feeds the prompt and then `forcedIds` one by one and reports, at each of those positions,
   * llama.cpp's argmax and the gap between its top-2 logits (ln p1 - ln p2).
   */
  forced(promptIds: number[], forcedIds: number[]): Promise<{ argmax: number[]; top2Gap: number[] }>;
  dispose(): Promise<void>;
}

export async function loadLlamaCpp(ggufPath: string, contextSize: number, threads: number): Promise<LlamaCppPeer> {
  ensureNodeLlamaCpp();
  const entry = resolve(LLAMACPP_DIR, 'node_modules/node-llama-cpp/dist/index.js');
  const nlc = (await import(pathToFileURL(entry).href)) as NlcModule;
  const llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: 'warn' });
  if (llama.gpu !== false) throw new Error(`llama.cpp loaded with GPU ${llama.gpu}; the suite compares CPU paths`);
  const model = await llama.loadModel({ modelPath: ggufPath, gpuLayers: 0 });
  const context = await model.createContext({ contextSize, batchSize: contextSize, threads });
  const seq = context.getSequence();
  return {
    info: { version: installedVersion('node-llama-cpp') ?? '?', binary: `${binaryPackage()}@${installedVersion(binaryPackage()) ?? '?'}`, buildType: llama.buildType, threads },
    async greedy(promptIds, n) {
      await seq.clearHistory();
      const ids: number[] = [];
      const t0 = performance.now();
      if (n > 0) {
        for await (const id of seq.evaluate(promptIds, { temperature: 0, yieldEogToken: true })) {
          ids.push(id);
          if (ids.length >= n) break;
        }
      }
      return { ids, ms: performance.now() - t0 };
    },
    async forced(promptIds, forcedIds) {
      await seq.clearHistory();
      const argmax: number[] = [];
      const top2Gap: number[] = [];
      if (forcedIds.length === 0) return { argmax, top2Gap };
      const gen = seq.evaluateWithMetadata(promptIds, { probabilities: true }, { temperature: 0, yieldEogToken: true });
      let next = await gen.next();
      for (let i = 0; !next.done; i++) {
        // The probabilities cover the whole vocabulary (the raw softmax, whatever the temperature).
        const [first, second] = topTwo(next.value.probabilities);
        argmax.push(first[0]);
        top2Gap.push(Math.log(first[1]) - Math.log(second[1]));
        if (i + 1 >= forcedIds.length) break;
        next = await gen.next(forcedIds[i]);
      }
      await gen.return();
      return { argmax, top2Gap };
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

function topTwo(probs: Map<number, number>): [[number, number], [number, number]] {
  let a: [number, number] = [-1, -Infinity];
  let b: [number, number] = [-1, -Infinity];
  for (const [id, p] of probs) {
    if (p > a[1]) [a, b] = [[id, p], a];
    else if (p > b[1]) b = [id, p];
  }
  return [a, b];
}
