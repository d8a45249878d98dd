import type { ReactNode } from 'react';
import type { StrategyEvent } from '../engine/trace/types.ts';
import { TableHead } from './TableHead.tsx';
import { TokenCode } from './TokenStream.tsx';

/** What a strategy did at one step: AdaDec candidates, CNTP trials, entropix quadrant, beams, drafts. */
export function StrategyDetails({ events }: { events: readonly StrategyEvent[] }) {
  if (!events.length) return null;
  return (
    <div className="strategy-details" data-testid="strategy-details">
      {events.map((e, i) => (
        <div key={i}>{detail(e)}</div>
      ))}
    </div>
  );
}

function detail(e: StrategyEvent) {
  switch (e.kind) {
    case 'adadec': {
      const d = (e as StrategyEvent<'adadec'>).data;
      return (
        <>
          <p className="cand-head">
            <strong>AdaDec reranked here</strong>: entropy {d.entropy.toFixed(2)} &gt; τ {d.tau}; each candidate scored by log p + mean log p of a greedy lookahead.
          </p>
          <ChoiceTable
            columns={['candidate', 'log p', 'lookahead', 'mean log p', 'score']}
            rows={d.candidates}
            winner={d.winner}
            cells={(c, _, won) => (
              <>
                <td>
                  <TokenCode text={c.text} max={16} /> {won ? '✓ winner' : ''}
                </td>
                <td>{c.logprob.toFixed(2)}</td>
                <td>
                  <TokenCode text={c.lookahead.text} max={30} />
                </td>
                <td>{c.lookahead.meanLogprob.toFixed(2)}</td>
                <td>{c.score.toFixed(2)}</td>
              </>
            )}
          />
        </>
      );
    }
    case 'cntp': {
      const d = (e as StrategyEvent<'cntp'>).data;
      return (
        <>
          <p className="cand-head">
            <strong>CNTP ran {d.trials.length} trials</strong> (entropy {d.entropy.toFixed(2)}); the lowest-perplexity trial was emitted.
          </p>
          <ChoiceTable
            columns={['trial', 'text', 'perplexity']}
            rows={d.trials}
            winner={d.winner}
            cells={(t, j, won) => (
              <>
                <td>
                  {j + 1} {won ? '✓' : ''}
                </td>
                <td>
                  <TokenCode text={t.text} max={40} />
                </td>
                <td>{t.perplexity.toFixed(2)}</td>
              </>
            )}
          />
        </>
      );
    }
    case 'entropix': {
      const d = (e as StrategyEvent<'entropix'>).data;
      return (
        <p className="cand-head">
          <strong>Entropix</strong>: entropy {d.entropy.toFixed(2)}, varentropy {d.varentropy.toFixed(2)} → quadrant <strong>{d.quadrant}</strong>, action: {d.action}.
        </p>
      );
    }
    case 'beam': {
      const d = (e as StrategyEvent<'beam'>).data;
      return (
        <>
          <p className="cand-head">
            <strong>Beams after step {d.step}</strong> (best first)
          </p>
          <ol className="beams">
            {d.beams.map((b, j) => (
              <li key={j}>
                <TokenCode text={b.text} max={50} /> score {b.score.toFixed(2)}
                {b.finished ? ' (finished)' : ''}
              </li>
            ))}
          </ol>
        </>
      );
    }
    case 'spec': {
      const d = (e as StrategyEvent<'spec'>).data;
      return (
        <p className="cand-head">
          <strong>{d.method}</strong>: {d.nodes.length} drafted, {d.accepted} accepted, then a {d.next.kind} token <TokenCode text={d.next.text} max={16} />.
        </p>
      );
    }
    default:
      return null;
  }
}

/** Alternatives a strategy weighed, one row each, the one it chose marked. */
function ChoiceTable<T>({ columns, rows, winner, cells }: { columns: string[]; rows: readonly T[]; winner: number; cells: (row: T, index: number, won: boolean) => ReactNode }) {
  return (
    <table>
      <TableHead columns={columns} />
      <tbody>
        {rows.map((r, j) => (
          <tr key={j} className={j === winner ? 'chosen' : ''}>
            {cells(r, j, j === winner)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
