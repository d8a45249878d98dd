import type { StrategyEvent } from '../engine/trace/types.ts';
import { tokenLabel } from './lib/tokens.ts';

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
          <table>
            <thead>
              <tr>
                <th scope="col">candidate</th>
                <th scope="col">log p</th>
                <th scope="col">lookahead</th>
                <th scope="col">mean log p</th>
                <th scope="col">score</th>
              </tr>
            </thead>
            <tbody>
              {d.candidates.map((c, j) => (
                <tr key={j} className={j === d.winner ? 'chosen' : ''}>
                  <td>
                    <code className="tokcode">{tokenLabel(c.text, 16)}</code> {j === d.winner ? '✓ winner' : ''}
                  </td>
                  <td>{c.logprob.toFixed(2)}</td>
                  <td>
                    <code className="tokcode">{tokenLabel(c.lookahead.text, 30)}</code>
                  </td>
                  <td>{c.lookahead.meanLogprob.toFixed(2)}</td>
                  <td>{c.score.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
          <table>
            <thead>
              <tr>
                <th scope="col">trial</th>
                <th scope="col">text</th>
                <th scope="col">perplexity</th>
              </tr>
            </thead>
            <tbody>
              {d.trials.map((t, j) => (
                <tr key={j} className={j === d.winner ? 'chosen' : ''}>
                  <td>
                    {j + 1} {j === d.winner ? '✓' : ''}
                  </td>
                  <td>
                    <code className="tokcode">{tokenLabel(t.text, 40)}</code>
                  </td>
                  <td>{t.perplexity.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
                <code className="tokcode">{tokenLabel(b.text, 50)}</code> score {b.score.toFixed(2)}
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
          <strong>{d.method}</strong>: {d.nodes.length} drafted, {d.accepted} accepted, then a {d.next.kind} token <code className="tokcode">{tokenLabel(d.next.text, 16)}</code>.
        </p>
      );
    }
    default:
      return null;
  }
}
