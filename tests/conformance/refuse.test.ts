/**
 * Exports the runner cannot drive are refused at load with a message naming what is supported:
 * no past_key_values inputs (a real fixture variant), hybrid caches by config (lfm2 conv layers,
 * granitemoehybrid / mamba states: refused from config.json alone, before any weights load) and by
 * input names (past_conv / past_ssm). Also the CLI's --models-dir usage errors (exit 2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_CACHE_FIXTURE } from '../../tools/fixtures/specs.ts';
import { checkConfig, readContract } from '../../src/engine/model/export-contract.ts';
import { ModelLoadError } from '../../src/engine/model/load-error.ts';
import { configureModelSources, ModelRunner } from '../../src/engine/model/runner.ts';
import { FIXTURES_DIR, cli, ensureFixtures } from './support.ts';

async function loadError(localDir: string, model: string): Promise<ModelLoadError> {
  configureModelSources({ localModelPath: localDir + '/', allowRemoteModels: false });
  const err = await ModelRunner.load({ model, backend: 'cpu', dtype: 'fp32' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

describe('exports without a plain KV cache are refused at load', () => {
  it('a llama export with no past_key_values inputs', async () => {
    ensureFixtures([NO_CACHE_FIXTURE]);
    const err = await loadError(FIXTURES_DIR, NO_CACHE_FIXTURE.id);
    expect(err.kind).toBe('architecture');
    expect(err.message).toMatch(/no past_key_values inputs/);
    expect(err.message).toMatch(/Supported: decoder-only exports with a plain attention KV cache/);
  });

  it.each([
    ['lfm2', { model_type: 'lfm2', layer_types: ['conv', 'full_attention'] }, /layers of type conv/],
    ['granitemoehybrid', { model_type: 'granitemoehybrid', layer_types: ['mamba', 'attention'] }, /layers of type mamba/],
    ['mamba', { model_type: 'mamba' }, /model_type "mamba"/],
  ])('%s, from config.json alone (no weights in the folder)', async (type, config, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-'));
    fs.mkdirSync(path.join(dir, 'test', type), { recursive: true });
    fs.writeFileSync(path.join(dir, 'test', type, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 2, vocab_size: 10 }));
    try {
      const err = await loadError(dir, `test/${type}`);
      expect(err.kind).toBe('architecture');
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/Supported:/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('conv / ssm state inputs in the session', () => {
    const inputs = [{ name: 'input_ids' }, { name: 'attention_mask' }, { name: 'past_conv.0' }, { name: 'past_key_values.1.key' }];
    expect(() => readContract('m', { model_type: 'llama' }, inputs)).toThrow(/cache inputs past_conv.0 \(not attention KV\)/);
    expect(() => readContract('m', { model_type: 'llama' }, [{ name: 'input_ids' }, { name: 'attention_mask' }, { name: 'past_ssm.0' }])).toThrow(/past_ssm/);
  });

  it('plain attention models pass the config check (sliding-window layers included)', () => {
    expect(() => checkConfig('m', { model_type: 'gemma3_text', layer_types: ['sliding_attention', 'full_attention'] })).not.toThrow();
    expect(() => checkConfig('m', { model_type: 'qwen2' })).not.toThrow();
  });
});

describe('cli generate --models-dir usage errors', () => {
  it('a missing folder or model is a clear error with exit 2', () => {
    const missingDir = cli('generate', '--models-dir', path.join(os.tmpdir(), 'no-such-models-dir'), '--model', 'fixtures/tiny-llama');
    expect(missingDir.code).toBe(2);
    expect(missingDir.stderr).toMatch(/--models-dir .*no-such-models-dir is not a folder/);
    ensureFixtures([NO_CACHE_FIXTURE]);
    const missingModel = cli('generate', '--models-dir', FIXTURES_DIR, '--model', 'fixtures/nope');
    expect(missingModel.code).toBe(2);
    expect(missingModel.stderr).toMatch(/no model fixtures\/nope in .*; found: .*fixtures\/tiny-llama-no-cache/);
  });
});
