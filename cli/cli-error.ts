/** An error caused by bad CLI input: printed on stderr, exit code 2. */
export class CliError extends Error {}

/** Parses `--name value` pairs and bare positionals. Flags without a value are an error. */
export function parseArgs(args: string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        flags.set(a.slice(2, eq), a.slice(eq + 1));
      } else {
        const v = args[i + 1];
        if (v === undefined) throw new CliError(`missing value for ${a}`);
        flags.set(a.slice(2), v);
        i++;
      }
    } else positional.push(a);
  }
  return { flags, positional };
}
