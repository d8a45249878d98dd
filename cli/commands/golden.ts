/**
 * `cli golden FILE [--backend cpu|webgpu]`: runs every case of a golden-vector file through the
 * engine's kernels and prints {cases, passed, failures}; exit code 0 only if every case passes.
 * Bad input (missing/unreadable file, malformed JSON, wrong shape, unknown backend) is a CliError.
 */
import { readFile } from 'node:fs/promises';
import { CliError, parseArgs } from '../cli-error.ts';
import type { CommandResult } from '../command.ts';
import { createCpuKernels } from '../../src/engine/kernels/cpu/index.ts';
import { GoldenFormatError, parseGolden, runGolden } from '../../src/engine/kernels/cpu/golden.ts';
import type { CreateWebGpuKernels, Kernels } from '../../src/engine/kernels/types.ts';

const USAGE = 'usage: cli golden FILE [--backend cpu|webgpu]';

async function loadFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read golden file "${path}"${code ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`golden file "${path}" is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The WebGPU kernels live in src/engine/kernels/webgpu/index.ts and export
 * `createWebGpuKernels(device?)` (contract in kernels/types.ts). Imported lazily so the CPU path
 * never loads Dawn.
 */
async function webgpuKernels(): Promise<Kernels> {
  const path = '../../src/engine/kernels/webgpu/index.ts';
  let mod: { createWebGpuKernels?: CreateWebGpuKernels };
  try {
    mod = (await import(/* @vite-ignore */ path)) as { createWebGpuKernels?: CreateWebGpuKernels };
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(String(err));
    throw new CliError(
      missing
        ? 'the WebGPU kernels are not available (src/engine/kernels/webgpu/index.ts not found)'
        : `the WebGPU kernels failed to load: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof mod.createWebGpuKernels !== 'function') {
    throw new CliError('the WebGPU kernels are not available (src/engine/kernels/webgpu/index.ts exports no createWebGpuKernels)');
  }
  try {
    return await mod.createWebGpuKernels();
  } catch (err) {
    throw new CliError(`no WebGPU device: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function run(args: string[]): Promise<CommandResult> {
  const { flags, positional } = parseArgs(args);
  for (const name of flags.keys()) if (name !== 'backend') throw new CliError(`unknown option --${name}\n${USAGE}`);
  if (positional.length !== 1) throw new CliError(positional.length === 0 ? `missing FILE\n${USAGE}` : `expected one FILE\n${USAGE}`);
  const backend = flags.get('backend') ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'webgpu') throw new CliError(`unknown backend "${backend}" (cpu or webgpu)`);

  let file;
  try {
    file = parseGolden(await loadFile(positional[0]));
  } catch (err) {
    if (err instanceof GoldenFormatError) throw new CliError(`malformed golden file: ${err.message}`);
    throw err;
  }
  const kernels = backend === 'cpu' ? await createCpuKernels() : await webgpuKernels();
  try {
    const report = await runGolden(kernels, file);
    return { json: { ...report, backend }, exitCode: report.passed === report.cases ? 0 : 1 };
  } finally {
    kernels.destroy();
  }
}
