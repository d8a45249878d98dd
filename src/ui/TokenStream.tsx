import { useEffect, useRef, useState } from 'react';
import type { TokenEvent, TokenSource, TopEntry } from '../engine/trace/types.ts';
import { TableHead } from './TableHead.tsx';
import { BUCKETS, PROB_BANDS, bucketCounts, bucketInfo, probBand, rankBucket } from './lib/gltr.ts';
import { pct, tokenLabel, visibleToken } from './lib/tokens.ts';

export type ColorMode = 'rank' | 'prob';
export type RunStatus = 'idle' | 'loading' | 'running' | 'done' | 'error';

/** Speculative sources get a distinct outline style (pattern, not only colour). */
const SOURCE_STYLE: Partial<Record<TokenSource, { label: string; cls: string }>> = {
  'draft-accepted': { label: 'draft accepted', cls: 'src-accepted' },
  'residual-sample': { label: 'resampled after rejection', cls: 'src-residual' },
  bonus: { label: 'bonus (all drafts accepted)', cls: 'src-bonus' },
  forced: { label: 'forced (branch or inserted text)', cls: 'src-forced' },
  reranked: { label: 'reranked', cls: 'src-reranked' },
  'trial-winner': { label: 'trial winner', cls: 'src-trial' },
};

function tokenColors(t: Pick<TokenEvent, 'rank' | 'prob'>, mode: ColorMode): { bg: string; ink: string } {
  if (mode === 'rank') {
    const b = bucketInfo(rankBucket(t.rank));
    return { bg: b.color, ink: b.ink };
  }
  const b = probBand(t.prob);
  return { bg: b.color, ink: b.ink };
}

/** A token's text inline, whitespace made visible, cut to `max` characters. */
export function TokenCode({ text, max }: { text: string; max: number }) {
  return <code className="tokcode">{tokenLabel(text, max)}</code>;
}

export function TokenLegend({ tokens, mode, scored = false }: { tokens: readonly TokenEvent[]; mode: ColorMode; scored?: boolean }) {
  const counts = bucketCounts(tokens.map((t) => t.rank));
  const sources = scored ? [] : [...new Set(tokens.map((t) => t.source))].filter((s) => SOURCE_STYLE[s]);
  return (
    <div className="legend" data-testid="token-legend">
      {mode === 'rank'
        ? BUCKETS.map((b) => (
            <span key={b.id} className="legend-item">
              <span className="swatch" style={{ background: b.color }} /> {b.label} <span className="count">({counts[b.id]})</span>
            </span>
          ))
        : PROB_BANDS.map((b) => (
            <span key={b.label} className="legend-item">
              <span className="swatch" style={{ background: b.color }} /> {b.label}
            </span>
          ))}
      {sources.map((s) => (
        <span key={s} className="legend-item">
          <span className={`swatch outline ${SOURCE_STYLE[s]!.cls}`} /> {SOURCE_STYLE[s]!.label}
        </span>
      ))}
    </div>
  );
}

export function TokenStream({
  prompt,
  tokens,
  status,
  selected,
  mode,
  onSelect,
  onHover,
  testId = 'output',
  diff,
  scored = false,
  promptTokens,
}: {
  prompt: string;
  /** The run's prompt tokens: with chat on, the template's tokens are drawn dimmed around the prompt. */
  promptTokens?: readonly { text: string; template?: boolean }[];
  tokens: readonly TokenEvent[];
  status: RunStatus;
  selected: number | null;
  mode: ColorMode;
  onSelect: (i: number) => void;
  onHover?: (i: number | null) => void;
  testId?: string;
  /** Indexes to mark as different from the other side (compare mode). */
  diff?: ReadonlySet<number>;
  /** Analyze mode: tokens of a given text, not generated (no source styling). */
  scored?: boolean;
}) {
  // Follow the newest token while generating (a long output scrolls inside the box).
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el && status === 'running') el.scrollTop = el.scrollHeight;
  }, [tokens.length, status]);
  return (
    <div className="stream" ref={box} onMouseLeave={() => onHover?.(null)}>
      <span className="prompt-text" data-testid={`${testId}-prompt`}>
        {promptTokens?.some((t) => t.template) ? <ChatPrompt tokens={promptTokens} /> : prompt}
      </span>
      <span data-testid={testId} data-status={status} className="output" aria-live="polite">
        {tokens.map((t, i) => {
          const c = tokenColors(t, mode);
          const src = scored ? undefined : SOURCE_STYLE[t.source];
          return (
            <button
              type="button"
              key={i}
              className={`tok${i === selected ? ' selected' : ''}${src ? ' ' + src.cls : ''}${diff?.has(i) ? ' differs' : ''}`}
              style={{ background: c.bg, color: c.ink }}
              data-testid="token"
              data-rank={t.rank}
              data-bucket={rankBucket(t.rank)}
              data-source={t.source}
              aria-pressed={i === selected}
              aria-label={`token ${i}: ${JSON.stringify(t.text)}, rank ${t.rank + 1}, probability ${pct(t.prob)}`}
              title={`#${i} ${JSON.stringify(t.text)} · rank ${t.rank + 1} · p ${pct(t.prob)} · ${t.source}`}
              onClick={() => onSelect(i)}
              onMouseEnter={() => onHover?.(i)}
              onFocus={() => onHover?.(i)}
            >
              {visibleToken(t.text).replace(/↵/g, '↵\n')}
            </button>
          );
        })}
        {status === 'running' && <span className="cursor" aria-hidden="true">▍</span>}
      </span>
    </div>
  );
}

/** The candidates at one step: raw and processed top-k; click one to branch from there. */
export function Candidates({ token, index, onBranch, scored = false }: { token: TokenEvent | undefined; index: number | null; onBranch?: (step: number, c: TopEntry) => void; scored?: boolean }) {
  const [all, setAll] = useState(false);
  if (!token || index === null) return <p className="muted">Click or hover a token to see the candidates the model weighed.</p>;
  const rowsShown = all ? 10 : 5;
  const procById = new Map(token.processedTop.map((e) => [e.id, e.prob]));
  const max = Math.max(...token.rawTop.map((e) => e.prob), ...token.processedTop.map((e) => e.prob), 1e-9);
  return (
    <div className="candidates" data-testid="candidates">
      <p className="cand-head">
        Step {index}: {scored ? 'the text has' : 'emitted'} <TokenCode text={token.text} max={30} /> — rank {token.rank + 1}, raw p {pct(token.prob)}
        {scored ? '' : `, processed p ${pct(token.processedProb)}`}, entropy {token.entropy.toFixed(2)} nats{scored ? '' : `, ${token.source}`}
        {token.temperature !== 1 ? `, T=${token.temperature.toFixed(2)}` : ''}
        {token.processorState?.before.mirostat_mu !== undefined
          ? `, mirostat mu ${token.processorState.before.mirostat_mu.toFixed(2)} → ${token.processorState.after.mirostat_mu.toFixed(2)} bits`
          : ''}
      </p>
      <table>
        <TableHead columns={['candidate', 'raw p', 'processed p', <span className="sr-only">branch</span>]} />
        <tbody>
          {token.rawTop.slice(0, rowsShown).map((c) => {
            const pp = procById.get(c.id);
            return (
              <tr key={c.id} className={c.id === token.id ? 'chosen' : ''}>
                <td>
                  <TokenCode text={c.text} max={24} />
                </td>
                <td>
                  <span className="minibar raw" style={{ width: `${(c.prob / max) * 60}px` }} /> {pct(c.prob)}
                </td>
                <td>
                  {token.processedTop.length === 0 ? (
                    <span className="muted">–</span>
                  ) : pp === undefined ? (
                    <span className="muted">removed</span>
                  ) : (
                    <>
                      <span className="minibar proc" style={{ width: `${(pp / max) * 60}px` }} /> {pct(pp)}
                    </>
                  )}
                </td>
                <td>
                  {c.id !== token.id && onBranch && (
                    <button type="button" className="small" data-testid="branch" onClick={() => onBranch(index, c)} title="Force this token and continue from here">
                      branch ⤷
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {!token.rawTop.slice(0, rowsShown).some((c) => c.id === token.id) && (
            <tr className="chosen">
              <td>
                <TokenCode text={token.text} max={24} /> <span className="muted">({scored ? 'in the text' : 'emitted'}, rank {token.rank + 1})</span>
              </td>
              <td>
                <span className="minibar raw" style={{ width: `${(token.prob / max) * 60}px` }} /> {pct(token.prob)}
              </td>
              <td>
                {scored ? (
                  <span className="muted">–</span>
                ) : (
                  <>
                    <span className="minibar proc" style={{ width: `${(token.processedProb / max) * 60}px` }} /> {pct(token.processedProb)}
                  </>
                )}
              </td>
              <td />
            </tr>
          )}
        </tbody>
      </table>
      {token.rawTop.length > 5 && (
        <button type="button" className="small" data-testid="candidates-more" onClick={() => setAll((x) => !x)}>
          {all ? 'Show top 5' : 'Show top 10'}
        </button>
      )}
    </div>
  );
}

/** A chat-templated prompt: runs of template tokens dimmed, the user's text as written. */
function ChatPrompt({ tokens }: { tokens: readonly { text: string; template?: boolean }[] }) {
  const runs: { text: string; template: boolean }[] = [];
  for (const t of tokens) {
    const last = runs[runs.length - 1];
    if (last && last.template === Boolean(t.template)) last.text += t.text;
    else runs.push({ text: t.text, template: Boolean(t.template) });
  }
  return (
    <>
      {runs.map((r, i) =>
        r.template ? (
          <span key={i} className="chat-template" data-testid="chat-template" title="added by the chat template">
            {r.text}
          </span>
        ) : (
          <span key={i}>{r.text}</span>
        ),
      )}
    </>
  );
}
