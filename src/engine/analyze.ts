/**
 * Analyze mode (GLTR-style): score an existing text under a model without generating. One forward
 * over the whole text; each token gets the rank and probability the model gave it and the entropy
 * of the distribution it was drawn from.
 */
import type { Kernels } from './kernels/types.ts';
import type { ModelRunner } from './model/runner.ts';
import { topEntries } from './trace/events.ts';
import type { TopEntry } from './trace/types.ts';

export interface AnalyzedToken {
  index: number;
  id: number;
  text: string;
  rank: number;
  prob: number;
  logprob: number;
  entropy: number;
  varentropy: number;
  top: TopEntry[];
}

export interface Analysis {
  model: string;
  tokens: AnalyzedToken[];
  /** exp(-mean logprob) over the scored tokens. */
  perplexity: number;
  /** Tokens beyond the model's context that were not scored. */
  truncated: number;
}

export async function analyzeText(target: ModelRunner, kernels: Kernels, text: string, topK = 10): Promise<Analysis> {
  const ids = target.encode(text);
  if (ids.length === 0) return { model: target.info.id, tokens: [], perplexity: NaN, truncated: 0 };
  // Start from the document separator so the first token is scored too.
  const start = target.info.bosId ?? target.info.eosIds[0];
  const context = start === undefined ? [] : [start];
  const room = target.info.maxPositions - context.length;
  const scored = ids.slice(0, room);
  const inputs = [...context, ...scored].slice(0, -1);
  const offset = context.length === 0 ? 1 : 0; // without a start token the first token has no prediction
  const seq = target.newSequence();
  try {
    // 'force' rows describe each token where the logits are: only top-k lists and scalars come back.
    const logits = await target.forwardLogits(seq, [inputs]);
    try {
      const rows = [];
      for (let r = 0; r < logits.rows; r++) {
        rows.push({ config: {}, choose: 'force' as const, forceToken: scored[r + offset], seed: 0, step: r });
      }
      const res = await kernels.step(logits, { rows, topK });
      const tokens = res.rows.map((row, r) => {
        const c = row.choice!;
        const id = scored[r + offset];
        return {
          index: r + offset,
          id,
          text: target.tokenText(id),
          rank: c.rawRank,
          prob: c.rawProb,
          logprob: c.rawLogprob,
          entropy: row.entropy,
          varentropy: row.varentropy,
          top: topEntries(row.rawTop, (i) => target.tokenText(i)),
        };
      });
      const mean = tokens.reduce((s, t) => s + t.logprob, 0) / Math.max(1, tokens.length);
      return { model: target.info.id, tokens, perplexity: Math.exp(-mean), truncated: ids.length - scored.length };
    } finally {
      kernels.dispose(logits);
    }
  } finally {
    seq.dispose();
  }
}
