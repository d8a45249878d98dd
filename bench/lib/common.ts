/**
 * Node-side helpers for every suite: the run's environment (machine, load, package versions,
 * model files), result files (Markdown + JSON, time-stamped) and the results index.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DRAFT, DEFAULT_MODEL } from '../../src/engine/config/index.ts';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const DEFAULT_OUT = resolve(REPO, 'bench/results');

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  /** 1-minute load average at the start of the suite: a loaded shared machine skews absolute times. */
  loadAvg: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvg: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

const PACKAGES = ['@huggingface/transformers', 'onnxruntime-web', 'onnxruntime-node', 'onnxruntime-common', 'webgpu', 'playwright-core', 'vite'];

export function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of PACKAGES) {
    const f = resolve(REPO, 'node_modules', p, 'package.json');
    if (existsSync(f)) out[p] = (JSON.parse(readFileSync(f, 'utf8')) as { version: string }).version;
  }
  return out;
}

export interface ModelFiles {
  id: string;
  bytes: number;
  sha256: string;
  modified: string;
}

/** The embedded pair's fp32 files (they get retrained: the hash says which weights were measured). */
export function modelFiles(ids: string[] = [DEFAULT_MODEL, DEFAULT_DRAFT]): ModelFiles[] {
  return ids.map((id) => {
    const f = resolve(REPO, 'public/models', id, 'onnx/model.onnx');
    if (!existsSync(f)) return { id, bytes: 0, sha256: 'missing', modified: '' };
    const buf = readFileSync(f);
    return { id, bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex').slice(0, 12), modified: statSync(f).mtime.toISOString() };
  });
}

export interface Envelope {
  suite: string;
  date: string;
  machine: Machine;
  versions: Record<string, string>;
  models: ModelFiles[];
  /** Chromium version, WebGPU adapter, when the suite used the browser. */
  browser?: { version: string; userAgent: string; adapter: string; crossOriginIsolated: boolean };
  options: Record<string, unknown>;
}

export function envelope(suite: string, options: Record<string, unknown>): Envelope {
  return { suite, date: new Date().toISOString(), machine: machine(), versions: versions(), models: modelFiles(), options };
}

/** The common header of every table: where it ran and how to read it. */
export function mdHeader(title: string, env: Envelope, extra: string[] = []): string {
  const m = env.machine;
  const lines = [
    `# ${title} — ${env.date}`,
    '',
    '> Shared 2-core machine: absolute times are noise (other jobs run beside the benchmark). Read the',
    '> **ratios**, measured side by side in one run; rerun with the command below to check them.',
    '',
    `- Machine: ${m.cpu} × ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}, load average ${m.loadAvg} at start`,
    `- Packages: ${Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- Models: ${env.models.map((f) => `${f.id} (fp32, ${(f.bytes / 2 ** 20).toFixed(1)} MiB, sha256 ${f.sha256}, ${f.modified.slice(0, 16)})`).join('; ')}`,
  ];
  if (env.browser) {
    lines.push(`- Browser: headless Chromium ${env.browser.version}; WebGPU adapter: ${env.browser.adapter}${/swiftshader/i.test(env.browser.adapter) ? ' — **software rendering on the CPU, not a GPU**' : ''}; cross-origin isolated: ${env.browser.crossOriginIsolated}`);
  }
  lines.push(`- Command: \`npm run bench -- ${env.suite}${optionsToFlags(env.options)}\``, ...extra, '');
  return lines.join('\n');
}

function optionsToFlags(o: Record<string, unknown>): string {
  return Object.entries(o)
    .filter(([k, v]) => v !== undefined && v !== false && k !== 'out')
    .map(([k, v]) => (v === true ? ` --${k}` : ` --${k} ${Array.isArray(v) ? v.join(',') : String(v)}`))
    .join('');
}

export interface Written {
  md: string;
  json: string;
}

/** Writes `<suite>-<stamp>.md/.json` into `outDir` and refreshes `latest.md` there. */
export function writeResults(outDir: string, env: Envelope, report: object, md: string): Written {
  mkdirSync(outDir, { recursive: true });
  const stamp = env.date.slice(0, 19).replace(/[:T]/g, '-');
  const base = resolve(outDir, `${env.suite}-${stamp}`);
  const files = { md: `${base}.md`, json: `${base}.json` };
  writeFileSync(files.json, JSON.stringify({ ...env, ...report, files }, null, 2) + '\n');
  writeFileSync(files.md, md.endsWith('\n') ? md : md + '\n');
  writeLatestIndex(outDir);
  process.stdout.write(`wrote ${files.md}\n      ${files.json}\n`);
  return files;
}

const SUITE_ORDER = ['e2e', 'peer', 'speculative', 'scaling', 'memory', 'kernels'];

/** The newest result file per suite in `dir` (by the time stamp in the name). */
export function latestFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    const m = /^([a-z0-9]+)-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})\.json$/.exec(f);
    if (m) out[m[1]] = f; // sorted by name: the last one per suite wins
  }
  return out;
}

/** `latest.md`: links to the newest table of each suite and the chart (what the README points to). */
export function writeLatestIndex(dir: string): void {
  const latest = latestFiles(dir);
  const suites = [...SUITE_ORDER.filter((s) => latest[s]), ...Object.keys(latest).filter((s) => !SUITE_ORDER.includes(s))];
  const lines = [
    '# Latest benchmark results',
    '',
    'Newest table of each suite (regenerated whenever a suite runs; older runs stay beside them).',
    'Absolute times come from a shared machine; compare the ratios measured within one run.',
    '',
    ...suites.map((s) => `- **${s}**: [${latest[s].replace(/\.json$/, '.md')}](./${latest[s].replace(/\.json$/, '.md')}) ([json](./${latest[s]}))`),
    '',
  ];
  if (existsSync(resolve(dir, 'chart.svg'))) lines.push('![headline comparisons](./chart.svg)', '');
  writeFileSync(resolve(dir, 'latest.md'), lines.join('\n'));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Flag helpers for the string flags bench/main.ts passes. */
export const flagNum = (f: Record<string, string>, k: string, d: number): number => (f[k] !== undefined ? Number(f[k]) : d);
export const flagList = (f: Record<string, string>, k: string): number[] | undefined => (f[k] ? f[k].split(',').map((x) => Number(x.trim())) : undefined);
export const flagBool = (f: Record<string, string>, k: string): boolean => f[k] === 'true';

/** Heap probe in Node: V8's used heap (cheap enough to read every token). */
export { getHeapStatistics } from 'node:v8';

/** A long plain-English text for contexts of hundreds of tokens (scaling, memory). */
export const LONG_TEXT = [
  'The committee met on Tuesday morning in the old library of the county building.',
  'Its members had come from every part of the state, and most of them had travelled all night.',
  'The chairman opened the meeting by reading a letter from the governor, who asked that the',
  'report be finished before the end of the month. Nobody in the room believed that it could be done.',
  'There were still three hundred letters to answer, and the figures for the northern districts had not',
  'arrived. One of the younger members suggested that the committee divide itself into small groups,',
  'each of which would take one part of the work and report back within a week. The older members',
  'did not like the idea at first, but after an hour of argument they agreed to try it. By noon the',
  'groups had been formed, and by evening the first of them had begun to write. The newspapers the',
  'next day said that the committee had at last decided to work, and the governor sent a short note',
  'of thanks. In the weeks that followed the members learned a great deal about the state, its',
  'people and its money. They found that the schools in the river towns were old and crowded, that',
  'the roads in the hills were washed out every spring, and that the farmers in the south paid more',
  'for their water than anyone in the cities. When the report was finally printed it ran to four',
  'hundred pages, and it was read, or at least opened, by nearly every member of the legislature.',
].join(' ');
