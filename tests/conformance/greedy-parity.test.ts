/**
 * For every hub fixture (tools/fixtures: llama, qwen2 with GQA and qkv bias, gemma3_text with
 * sliding-window layers and head_dim != hidden/heads, fp16 caches and logits): `cli generate
 * --models-dir --model ID` (dtype=auto, the file the folder ships) gives exactly the 16 greedy
 * tokens of transformers.js `generate()` (do_sample false) on the same files. The other dtype file
 * each fixture ships is checked the same way through the engine in-process.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../tools/fixtures/specs.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import { createNodeSession } from '../../src/engine/node.ts';
import { normalizeConfig } from '../../src/engine/config/index.ts';
import { localAutoDType } from '../../src/engine/model/local-models.ts';
import { FIXTURES_DIR, PROMPT, cli, dtypesOf, ensureFixtures, referenceGreedy } from './support.ts';
import path from 'node:path';

const NEW_TOKENS = 16;

describe.each(FIXTURES.map((f) => [f.id, f] as const))('%s', (id, f) => {
  it('cli generate --models-dir equals transformers.js generate() greedy (16 tokens)', async () => {
    const r = cli('generate', '--models-dir', FIXTURES_DIR, '--model', id, '--prompt', PROMPT, '--config', `strategy=greedy&max_new_tokens=${NEW_TOKENS}`);
    expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { config: { dtype: string }; tokens: { id: number }[]; finishReason: string };
    expect(out.config.dtype).toBe(cliDType);
    const ours = out.tokens.map((t) => t.id);
    const ref = await referenceGreedy(id, out.config.dtype as never, PROMPT, NEW_TOKENS);
    expect(ours).toEqual(ref);
    // Random weights must not collapse onto one token: that would hide position or cache bugs.
    expect(new Set(ours).size).toBeGreaterThan(2);
  });

  const cliDType = localAutoDType(path.join(ensureFixtures([f]), id));
  for (const dtype of dtypesOf(f).filter((d) => d !== cliDType)) {
    it(`engine greedy on dtype ${dtype} equals transformers.js`, async () => {
      const session = createNodeSession({ modelsDir: FIXTURES_DIR });
      try {
        const { config } = normalizeConfig({ model: id, dtype, strategy: 'greedy', prompt: PROMPT, max_new_tokens: NEW_TOKENS });
        const trace = await collectTrace(session.run(config));
        expect(trace.end.reason).not.toBe('error');
        expect(session.state?.dtype).toBe(dtype);
        const ref = await referenceGreedy(id, dtype, PROMPT, NEW_TOKENS);
        expect(trace.tokens.map((t) => t.id)).toEqual(ref);
      } finally {
        await session.unload();
      }
    });
  }
});
