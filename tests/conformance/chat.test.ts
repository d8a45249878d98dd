/**
 * Chat mode (config `chat`): the prompt is wrapped by the tokenizer's chat template as one user
 * turn with the generation prompt, giving exactly the ids of transformers.js
 * `apply_chat_template(..., { add_generation_prompt: true })`; the template's tokens are flagged in
 * the trace (the page dims them), the user's are not; the greedy tokens then equal `generate()` on
 * those ids. A model without a template ignores `chat` with a warning.
 */
import { describe, expect, it } from 'vitest';
import { AutoTokenizer } from '@huggingface/transformers';
import { FIXTURES } from '../../tools/fixtures/specs.ts';
import { collectTrace } from '../../src/engine/trace/collect.ts';
import { createNodeSession } from '../../src/engine/node.ts';
import { normalizeConfig } from '../../src/engine/config/index.ts';
import { FIXTURES_DIR, cli, ensureFixtures, referenceGreedyIds, useFixturesInTransformers } from './support.ts';

const PROMPT = 'Name three colours.';

describe.each(['fixtures/tiny-qwen2', 'fixtures/tiny-gemma3', 'fixtures/tiny-llama'])('%s with chat=1', (id) => {
  it('prompt ids equal apply_chat_template, template tokens flagged, greedy equals generate()', async () => {
    ensureFixtures([FIXTURES.find((f) => f.id === id)!]);
    const session = createNodeSession({ modelsDir: FIXTURES_DIR });
    try {
      const { config } = normalizeConfig({ model: id, dtype: 'fp32', strategy: 'greedy', prompt: PROMPT, chat: true, max_new_tokens: 8 });
      const trace = await collectTrace(session.run(config));
      expect(trace.start.notes ?? []).toEqual([]);
      expect(session.state?.chatTemplate).toBe(true);

      useFixturesInTransformers();
      /* eslint-disable @typescript-eslint/no-explicit-any */
      const tok: any = await AutoTokenizer.from_pretrained(id);
      const want = Array.from(tok.apply_chat_template([{ role: 'user', content: PROMPT }], { add_generation_prompt: true, tokenize: true, return_dict: false, return_tensor: false }) as number[]);
      const prompt = trace.start.promptTokens;
      expect(prompt.map((t) => t.id)).toEqual(want);

      // The user's words are the unflagged tokens, and only they.
      const user = prompt.filter((t) => !t.template).map((t) => t.text).join('');
      expect(user.trim()).toBe(PROMPT);
      expect(prompt[0].template).toBe(true);
      expect(prompt[prompt.length - 1].template).toBe(true);

      expect(trace.tokens.map((t) => t.id)).toEqual(await referenceGreedyIds(id, 'fp32', want, 8));
    } finally {
      await session.unload();
    }
  });
});

describe('chat=1 on a model without a chat template', () => {
  it('is ignored with a warning (the embedded Brown model)', () => {
    const r = cli('generate', '--prompt', 'The old man', '--config', 'chat=1&strategy=greedy', '--max-new-tokens', '3');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { warnings: string[]; config: { chat: boolean } };
    expect(out.config.chat).toBe(true);
    expect(out.warnings).toContain('chat=1 ignored: playground/brown-target-v1 has no chat template, so the prompt is used as plain text');
  });
});
