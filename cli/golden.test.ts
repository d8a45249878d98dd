import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GOLDEN_PATH } from '../tests/support/kernels.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOLDEN = GOLDEN_PATH;
const tmp = mkdtempSync(join(tmpdir(), 'golden-cli-'));

function cli(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'cli/main.ts', 'golden', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeJson(name: string, value: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('cli golden', () => {
  it('passes every case of the golden file on the CPU backend (exit 0)', () => {
    const r = cli(GOLDEN);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const file = JSON.parse(readFileSync(GOLDEN, 'utf8'));
    expect(out.cases).toBe(file.processors.length + file.spec_chain.length);
    expect(out.passed).toBe(out.cases);
    expect(out.failures).toEqual([]);
  });

  it('exits 1 and names the failing cases when expectations differ', () => {
    const file = JSON.parse(readFileSync(GOLDEN, 'utf8'));
    const processors = file.processors.slice(0, 3);
    processors[1].expected.probs[0] += 0.01;
    const spec = file.spec_chain.slice(0, 2);
    spec[0].expected.accepted += 1;
    const r = cli(writeJson('wrong.json', { processors, spec_chain: spec }), '--backend', 'cpu');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ cases: 5, passed: 3 });
    expect(out.failures.map((f: { id: string }) => f.id)).toEqual([processors[1].id, spec[0].id]);
    expect(out.failures[0].what).toMatch(/probs/);
    expect(out.failures[1].what).toMatch(/accepted/);
  });

  it('runs the WebGPU kernels with --backend webgpu (Dawn in Node, SwiftShader when there is no GPU)', () => {
    const file = JSON.parse(readFileSync(GOLDEN, 'utf8'));
    const small = writeJson('small.json', { processors: file.processors.slice(0, 4), spec_chain: file.spec_chain.slice(0, 2) });
    // The suite's set-up installs chromium (SwiftShader ICD) and libvulkan1, so an adapter must exist.
    const r = cli(small, '--backend', 'webgpu');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cases: 6, passed: 6, failures: [], backend: 'webgpu' });
  }, 180_000);

  it.each([
    ['a missing file', [join(tmp, 'nope.json')], /cannot read/],
    ['malformed JSON', [writeJson('bad.json', '{"processors": [')], /not valid JSON/],
    ['a wrong shape', [writeJson('shape.json', { processors: [{ id: 'x', logits: [1, 2] }] })], /malformed golden file/],
    ['no cases', [writeJson('empty.json', { processors: [], spec_chain: [] })], /no cases/],
    ['no FILE', [], /missing FILE/],
    ['an unknown backend', [GOLDEN, '--backend', 'tpu'], /unknown backend/],
    ['an unknown option', [GOLDEN, '--fast', 'yes'], /unknown option/],
  ])('rejects %s with exit 2 and a message on stderr', (_name, args, msg) => {
    const r = cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(msg);
  });
});
