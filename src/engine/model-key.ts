/**
 * Which models a configuration needs, as a string: two configurations with the same key run on the
 * same loaded models. The session keys what it loaded by the backend and dtype it resolved; the page
 * keys by what the configuration asks for. A module of its own, so the page can use it without
 * pulling the model runtime into the main thread.
 */
import type { DecodeConfig } from './config/params.ts';
import { STRATEGIES } from './config/strategies.ts';

export function modelKey(c: Pick<DecodeConfig, 'model' | 'strategy' | 'draft'> & { backend: string; dtype: string }): string {
  return JSON.stringify([c.model, STRATEGIES[c.strategy].needsDraft ? c.draft : null, c.backend, c.dtype]);
}
