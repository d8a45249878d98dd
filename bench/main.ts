/**
 * Benchmark dispatcher: `npm run bench -- <suite> [--key value ...]`. Each suite is a module whose
 * runner writes its tables to bench/results/. Suites are imported lazily (Dawn, models...).
 * `npm run bench` with no suite runs every suite in sequence (one browser shared by the browser
 * suites), then draws the chart; flags after `all` go to every suite.
 */
type Runner = (opts: Record<string, string>) => Promise<unknown>;

const SUITES: Record<string, () => Promise<Runner>> = {
  kernels: async () => (await import('./kernels.ts')).runKernelBenchFromArgs,
  e2e: async () => (await import('./e2e.ts')).runE2eFromArgs,
  peer: async () => (await import('./peer.ts')).runPeerFromArgs,
  speculative: async () => (await import('./speculative.ts')).runSpeculativeFromArgs,
  scaling: async () => (await import('./scaling.ts')).runScalingFromArgs,
  memory: async () => (await import('./memory.ts')).runMemoryFromArgs,
  llamacpp: async () => (await import('./llamacpp.ts')).runLlamaCppFromArgs,
  chart: async () => (await import('./chart.ts')).runChartFromArgs,
};

/**
 * The order of a full run; the chart reads the JSON the others wrote. Not `llamacpp`: it installs
 * node-llama-cpp from the npm registry on first use, and a full run must work offline.
 */
const ALL = ['e2e', 'peer', 'speculative', 'scaling', 'memory', 'kernels', 'chart'];

/** Per-suite flags in a full run, sized so `npm run bench` stays within minutes on 2 cores. */
const ALL_DEFAULTS: Record<string, Record<string, string>> = {
  e2e: { tokens: '64', 'browser-tokens': '48', 'webgpu-tokens': '4' },
  peer: { tokens: '128', 'browser-tokens': '96', reps: '9', 'webgpu-tokens': '6' },
  speculative: { tokens: '48' },
  kernels: { batches: '1,4', reps: '3', configs: 'full' },
};

async function cleanup(): Promise<void> {
  await (await import('./lib/browser.ts')).closeBrowser();
  await (await import('./lib/targets.ts')).closeNodeSession();
}

function parseFlags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) out[a.slice(2)] = args[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const all = argv.length === 0 || argv[0] === 'all' || argv[0].startsWith('--');
  const [name, ...rest] = all && argv[0] === 'all' ? argv : all ? ['all', ...argv] : argv;
  if (all) {
    const flags = parseFlags(rest);
    const t0 = performance.now();
    try {
      for (const suite of ALL) {
        const s0 = performance.now();
        process.stdout.write(`\n== ${suite} ==\n`);
        await (await SUITES[suite]())({ ...ALL_DEFAULTS[suite], ...flags });
        process.stdout.write(`== ${suite}: ${((performance.now() - s0) / 1000).toFixed(0)} s\n`);
      }
    } finally {
      await cleanup();
    }
    process.stdout.write(`\nall suites: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    return;
  }
  const load = name ? SUITES[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench [-- <suite>] [options]\nsuites: ${Object.keys(SUITES).join(', ')} (none: all of them)\n`);
    process.exit(2);
  }
  const run = await load();
  try {
    await run(parseFlags(rest));
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
