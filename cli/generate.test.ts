import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
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
});
