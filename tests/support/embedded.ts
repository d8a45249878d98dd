/**
 * Test support (imported by *.test.ts only): the embedded models on onnxruntime-node, and
 * configurations that must be valid as written.
 */
import { expect } from 'vitest';
import { DEFAULT_CONFIG, normalizeConfig, type DecodeConfig } from '../../src/engine/config/index.ts';
import { configureModelSources, ModelRunner } from '../../src/engine/model/runner.ts';
import { MODELS_DIR } from '../../src/engine/node.ts';

export const TARGET = 'playground/brown-target-v1';
export const DRAFT = 'playground/brown-draft-v1';

/** Loads an embedded model on the CPU in fp32, never from the network. */
export function loadEmbedded(model: string): Promise<ModelRunner> {
  configureModelSources({ localModelPath: MODELS_DIR, allowRemoteModels: false });
  return ModelRunner.load({ model, backend: 'cpu', dtype: 'fp32' });
}

/** The defaults with `over` applied; fails the test if any value was rejected. */
export function validConfig(over: Partial<Record<keyof DecodeConfig, unknown>>): DecodeConfig {
  const { config, warnings } = normalizeConfig({ ...DEFAULT_CONFIG, ...over });
  expect(warnings).toEqual([]);
  return config;
}
