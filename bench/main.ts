/**
 * Benchmark dispatcher: `npm run bench -- <suite> [--key value ...]`. Each suite is a module whose
 * runner writes its tables to bench/results/. Suites are imported lazily (Dawn, models...).
 */
type Runner = (opts: Record<string, string>) => Promise<unknown>;

const SUITES: Record<string, () => Promise<Runner>> = {
  kernels: async () => (await import('./kernels.ts')).runKernelBenchFromArgs,
};

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
  const [name, ...rest] = argv;
  const load = name ? SUITES[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <suite> [options]\nsuites: ${Object.keys(SUITES).join(', ')}\n`);
    process.exit(2);
  }
  const run = await load();
  await run(parseFlags(rest));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
