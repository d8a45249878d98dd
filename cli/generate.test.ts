import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli generate', () => {
  it('prints the same JSON for the same prompt, config and seed, and differs for another seed', () => {
    const args = ['generate', '--prompt', 'The old man', '--config', 'strategy=sample&temperature=0.9&top_p=0.95', '--max-new-tokens', '16'];
    const a = cli(...args, '--seed', '11');
    const b = cli(...args, '--seed', '11');
    const c = cli(...args, '--seed', '12');
    expect(a.code, a.stderr).toBe(0);
    const ja = JSON.parse(a.stdout);
    const jb = JSON.parse(b.stdout);
    const jc = JSON.parse(c.stdout);
    expect(ja.tokens).toHaveLength(16);
    expect(ja.tokens).toEqual(jb.tokens);
    expect(ja.text).toBe(jb.text);
    expect(ja.tokens).not.toEqual(jc.tokens);
    expect(ja.config.seed).toBe(11);
    expect(ja.query).toContain('seed=11');
    expect(ja.steps[0]).toMatchObject({ type: 'token', index: 0, source: 'sampled' });
    expect(ja.stats).toMatchObject({ tokensEmitted: 16, targetForwards: 16 });
  });

  it('prints a complete JSON document larger than a pipe buffer', () => {
    const r = cli('generate', '--prompt', 'The', '--config', 'strategy=greedy', '--max-new-tokens', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(65536);
    expect(JSON.parse(r.stdout).tokens.length).toBeGreaterThan(0);
  });

  it('warns about a broken config and still runs', () => {
    const r = cli('generate', '--prompt', 'Hi', '--config', 'temperature=abc&nonsense=1', '--max-new-tokens', '3');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.warnings.join('\n')).toMatch(/temperature/);
    expect(j.warnings.join('\n')).toMatch(/nonsense/);
    expect(j.tokens).toHaveLength(3);
  });

  it('exits 2 with a message on bad usage', () => {
    for (const args of [['generate'], ['generate', '--prompt', 'x', '--seed', 'abc'], ['generate', '--prompt', 'x', '--bogus', '1'], ['nope']]) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/error:/);
      expect(r.stdout).toBe('');
    }
  });

  it('exits 2 when the model does not exist', () => {
    const r = cli('generate', '--prompt', 'x', '--config', 'model=playground/does-not-exist', '--max-new-tokens', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does-not-exist/);
  });

  it('--runs N prints one compact JSON line per seed (seed, seed + 1, ...) from one process', () => {
    const config = 'strategy=spec-chain&temperature=1&max_new_tokens=1';
    const t0 = Date.now();
    const r = cli('generate', '--prompt', 'The old man', '--config', config, '--runs', '400');
    const ms = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(400);
    const runs = lines.map((l) => JSON.parse(l));
    expect(runs.map((j) => j.config.seed)).toEqual(Array.from({ length: 400 }, (_, i) => 42 + i));
    expect(runs.every((j) => j.tokens.length === 1 && j.steps.length === 1)).toBe(true);
    expect(new Set(runs.map((j) => j.tokens[0].id)).size).toBeGreaterThan(5);
    // the same object as a single run with that seed
    const single = JSON.parse(cli('generate', '--prompt', 'The old man', '--config', config, '--seed', '45').stdout);
    expect(runs[3].tokens).toEqual(single.tokens);
    expect(Object.keys(runs[3])).toEqual(Object.keys(single));
    expect(ms).toBeLessThan(90_000);
  });

  it('stats.timing splits each run\'s wall time into model, kernels and other (speculative, --runs)', () => {
    const r = cli('generate', '--prompt', 'The old man', '--config', 'strategy=spec-chain&max_new_tokens=16', '--runs', '2');
    expect(r.code, r.stderr).toBe(0);
    for (const line of r.stdout.trimEnd().split('\n')) {
      const { wallMs, timing } = JSON.parse(line).stats;
      expect(Object.keys(timing).sort()).toEqual(['draftKernelsMs', 'draftModelMs', 'kernelsMs', 'modelMs', 'otherMs', 'targetModelMs']);
      for (const v of Object.values(timing) as number[]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
      expect(timing.modelMs + timing.kernelsMs + timing.otherMs).toBeCloseTo(wallMs, 6);
      expect(timing.draftModelMs).toBeGreaterThan(0);
      expect(timing.modelMs).toBeLessThanOrEqual(wallMs);
    }
  });

  it('--summary prints per-position token frequencies over the runs', () => {
    const args = ['generate', '--prompt', 'The old man', '--config', 'strategy=sample&max_new_tokens=2', '--runs', '40'];
    const lines = cli(...args).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    const r = cli(...args, '--summary');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.runs).toBe(40);
    expect(s.positions).toHaveLength(2);
    for (const [i, pos] of s.positions.entries()) {
      const ids = lines.map((j) => j.tokens[i].id);
      for (const t of pos.tokens) {
        expect(t.count).toBe(ids.filter((id) => id === t.id).length);
        expect(t.frequency).toBeCloseTo(t.count / 40, 12);
      }
      expect(pos.tokens.reduce((a: number, t: { count: number }) => a + t.count, 0)).toBe(40);
    }
  });

  it('exits 2 with a clear message for a bad --runs', () => {
    for (const [v, msg] of [['0', /positive integer/], ['abc', /positive integer/], ['2.5', /positive integer/], ['100001', /too many/]] as const) {
      const r = cli('generate', '--prompt', 'x', '--runs', v);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });
});
