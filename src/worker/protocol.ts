/**
 * The typed protocol between the page and the engine worker (Comlink RPC). The page never touches
 * tensors: it sends configurations and receives plain-JSON trace events and progress.
 */
import type { Analysis } from '../engine/analyze.ts';
import type { Capabilities } from '../engine/capabilities.ts';
import type { DecodeConfig } from '../engine/config/params.ts';
import type { KeptSetPoint, KeptSetSettings } from '../engine/analysis/keptSet.ts';
import type { LoadProgress } from '../engine/model/runner.ts';
import type { LoadedState } from '../engine/session.ts';
import type { TraceEvent } from '../engine/trace/types.ts';

export type { Capabilities, LoadedState, LoadProgress };

export interface EngineApi {
  /** What the worker's WebGPU adapter can do (the worker may differ from the page). */
  capabilities(): Promise<Capabilities>;
  /** Loads the models a configuration needs; progress per file. */
  load(config: DecodeConfig, onProgress: (model: string, p: LoadProgress) => void): Promise<LoadedState>;
  /**
   * Runs one decode, streaming every trace event to `onEvent` as it happens. Resolves after the
   * `end` event. Loads first when needed. Errors arrive as an `end` event with reason 'error'
   * (load failures reject with a message meant for the page).
   */
  run(
    config: DecodeConfig,
    query: string,
    onEvent: (e: TraceEvent) => void,
    onProgress: (model: string, p: LoadProgress) => void,
  ): Promise<void>;
  /** Analyze mode: rank, probability and entropy of every token of `text` under the config's model. */
  analyze(config: DecodeConfig, text: string, onProgress: (model: string, p: LoadProgress) => void): Promise<Analysis>;
  /**
   * The kept-set chart: how many tokens top-p, min-p and top-n-sigma keep at each temperature for
   * the step after the prompt and `emitted` (one target forward over that prefix).
   */
  keptSet(config: DecodeConfig, emitted: number[], settings: KeptSetSettings, temperatures: number[]): Promise<{ points: KeptSetPoint[]; promptTokens: number; vocab: number }>;
  /** Stops the current run after the token in flight. */
  cancel(): void;
  /** Dev builds only: fetch hub models from a loopback mirror (src/engine/model/hub-mirror.ts). */
  useHubMirror(url: string): void;
}
