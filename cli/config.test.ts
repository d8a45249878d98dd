import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../src/engine/config/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs the real CLI entry as a user would (`npx tsx cli/main.ts config ...`). */
function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'cli/main.ts', 'config', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  // npx itself may warn about project npm config on stderr; only the CLI's own lines matter here.
  const stderr = r.stderr.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n');
  return { code: r.status, stdout: r.stdout, stderr };
}

describe('cli config', () => {
  it('prints the normalized config, canonical query and no warnings for a good link', () => {
    const r = cli('strategy=greedy&seed=7&temperature=0.70&prompt=The%20old%20man%20%26%20the%20sea%0A%F0%9F%98%80');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.warnings).toEqual([]);
    expect(out.config).toEqual({ ...DEFAULT_CONFIG, strategy: 'greedy', seed: 7, temperature: 0.7, prompt: 'The old man & the sea\n😀' });
    expect(out.query).toBe('v=1&model=playground/brown-target-v1&strategy=greedy&temperature=0.7&seed=7&prompt=The%20old%20man%20%26%20the%20sea%0A%F0%9F%98%80');
  });

  it('a broken link exits 0 with warnings and a usable config', () => {
    const r = cli('https://example.org/?v=9&top_p=1.7&tempurature=2&strategy=magic&seed=abc&prompt=Still%20here');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.warnings).toEqual([
      'unknown parameter tempurature ignored (did you mean temperature?)',
      'v=9 is not a supported link version (this app reads v=1); reading it as v=1',
      expect.stringMatching(/^strategy=magic is not one of greedy, sample, .*; using default sample$/),
      'top_p=1.7 is out of range 0..1; using default 1',
      'seed=abc is not a number; using default 42',
    ]);
    expect(out.config.prompt).toBe('Still here');
    expect(out.query).toBe('v=1&model=playground/brown-target-v1&strategy=sample&seed=42&prompt=Still%20here');
  });

  it('an empty query prints the defaults', () => {
    const r = cli('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ config: DEFAULT_CONFIG, query: 'v=1&model=playground/brown-target-v1&strategy=sample&seed=42&prompt=The%20old%20man', warnings: [] });
  });

  it('a missing argument is a usage error: exit 2, message on stderr, nothing on stdout', () => {
    const r = cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: missing QUERY\nusage: cli config QUERY/);
  });

  it('an unquoted query split by the shell is a usage error too', () => {
    const r = cli('v=1', 'seed=2');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected one QUERY, got 2 arguments');
  });
});
