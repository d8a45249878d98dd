import type { RunData } from './hooks/useRunner.ts';

/** One line under the token stream: what the run did, or where a paused run stands. */
export function RunStats({ run, shown, paused }: { run: RunData; shown: number; paused: boolean }) {
  if (run.status === 'idle') return <p className="muted stats">Press Run (or Step) to generate.</p>;
  const s = run.end?.stats;
  return (
    <p className="stats" data-testid="run-stats">
      {run.status === 'loading' && 'Loading the model… '}
      {paused && `Paused at ${shown} of ${run.tokens.length}${run.end ? '' : '+'} tokens — press Step or Play. `}
      {s && !paused && (
        <>
          {s.tokensEmitted} tokens · {s.tokensPerSecond.toFixed(1)} tok/s · first token {Math.round(s.firstTokenMs)} ms · {s.targetForwards} forward passes
          {s.draftForwards ? ` (+${s.draftForwards} draft)` : ''} ·{' '}
          <span data-testid="run-timing" title="Where the run's time went: model forward passes / sampling kernels / everything else">
            model / kernels / other {Math.round(s.timing.modelMs)} / {Math.round(s.timing.kernelsMs)} / {Math.round(s.timing.otherMs)} ms
          </span>{' '}
          · ended by {run.end!.reason.replace('_', ' ')} · {run.start?.backend} / {run.start?.kernels} kernels
        </>
      )}
    </p>
  );
}
