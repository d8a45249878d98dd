import { MAX_PROMPT_CHARS, PARAMS, STRATEGIES, STRATEGY_IDS, paramsForStrategy, type DecodeConfig, type ParamKey } from '../engine/config/index.ts';
import { ParamControl } from './ParamControl.tsx';

/** Processors folded under "More processors" unless set: the main four stay in view. */

const SHOWN_ELSEWHERE: readonly ParamKey[] = ['model', 'backend', 'dtype', 'prompt', 'seed', 'max_new_tokens', 'stop'];

/** The strategy's own parameters, in registry order, without those shown in fixed places. */
/**
 * The processors a class reaches for first lead the panel; every other processor (a new one too)
 * sits under "More processors", in the parameter table's order.
 */
const SHOWN_FIRST: readonly ParamKey[] = ['temperature', 'top_k', 'top_p', 'min_p', 'repetition_penalty'];
const isAdvanced = (k: ParamKey) => PARAMS[k].group === 'processor' && !SHOWN_FIRST.includes(k);

export function strategyParams(strategy: DecodeConfig['strategy']): ParamKey[] {
  const keys = paramsForStrategy(strategy).filter((k) => !SHOWN_ELSEWHERE.includes(k));
  return [...SHOWN_FIRST.filter((k) => keys.includes(k)), ...keys.filter((k) => !SHOWN_FIRST.includes(k))];
}

export function StrategySelect({ config, onChange, testId = 'strategy-select' }: { config: DecodeConfig; onChange: (c: DecodeConfig) => void; testId?: string }) {
  const s = STRATEGIES[config.strategy];
  return (
    <div className="param">
      <label htmlFor={testId}>Strategy</label>
      <select id={testId} data-testid={testId} value={config.strategy} onChange={(e) => onChange({ ...config, strategy: e.target.value as DecodeConfig['strategy'] })}>
        {STRATEGY_IDS.map((id) => (
          <option key={id} value={id}>
            {STRATEGIES[id].label}
          </option>
        ))}
      </select>
      <small className="help">
        {s.summary}
        {s.lossy ? ' (lossy)' : ''}
      </small>
    </div>
  );
}

export interface Transport {
  running: boolean;
  paused: boolean;
  canStep: boolean;
  onRun: () => void;
  onPause: () => void;
  onResume: () => void;
  onStep: () => void;
  onStop: () => void;
  onReset: () => void;
}

export function TransportButtons({ t }: { t: Transport }) {
  return (
    <div className="transport" role="toolbar" aria-label="Run controls">
      <button type="button" className="primary" data-testid="run" onClick={t.onRun} title="Run (Ctrl+Enter)">
        ▶ Run
      </button>
      {t.running && !t.paused && (
        <button type="button" data-testid="pause" onClick={t.onPause} title="Pause (P)">
          ❚❚ Pause
        </button>
      )}
      {t.paused && (
        <button type="button" data-testid="resume" onClick={t.onResume} title="Play (P)">
          ▶ Play
        </button>
      )}
      <button type="button" data-testid="step" onClick={t.onStep} disabled={!t.canStep} title="Step one token (→ or .)">
        Step ›
      </button>
      <button type="button" data-testid="stop" onClick={t.onStop} disabled={!t.running} title="Stop (Esc)">
        ■ Stop
      </button>
      <button type="button" data-testid="reset" onClick={t.onReset}>
        ↺ Reset
      </button>
    </div>
  );
}

export function PromptPanel({ config, onChange, transport }: { config: DecodeConfig; onChange: (c: DecodeConfig) => void; transport: Transport }) {
  const params = strategyParams(config.strategy);
  const advanced = params.filter(isAdvanced);
  return (
    <section className="panel" data-testid="prompt-panel" aria-labelledby="prompt-h">
      <h2 id="prompt-h">Prompt &amp; strategy</h2>
      <label htmlFor="prompt">Prompt</label>
      <textarea
        id="prompt"
        data-testid="prompt"
        rows={3}
        maxLength={MAX_PROMPT_CHARS}
        value={config.prompt}
        onChange={(e) => onChange({ ...config, prompt: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            transport.onRun();
          }
        }}
      />
      <TransportButtons t={transport} />
      <div className="row two">
        <div className="seed">
          <ParamControl k="seed" config={config} onChange={onChange} />
          <button
            type="button"
            className="dice"
            data-testid="dice"
            aria-label="Random seed"
            title="Random seed"
            onClick={() => onChange({ ...config, seed: Math.floor(Math.random() * 1_000_000) })}
          >
            random
          </button>
        </div>
        <ParamControl k="max_new_tokens" config={config} onChange={onChange} />
      </div>
      <StrategySelect config={config} onChange={onChange} />
      <div className="params" data-testid="strategy-params">
        {params.filter((k) => !isAdvanced(k)).map((k) => (
          <ParamControl key={k} k={k} config={config} onChange={onChange} />
        ))}
        {advanced.length > 0 && (
          <details open={advanced.some((k) => config[k] !== PARAMS[k].default)} data-testid="advanced-params">
            <summary>More processors ({advanced.length})</summary>
            {advanced.map((k) => (
              <ParamControl key={k} k={k} config={config} onChange={onChange} />
            ))}
          </details>
        )}
      </div>
      <details>
        <summary>Stop strings</summary>
        <ParamControl k="stop" config={config} onChange={onChange} />
      </details>
    </section>
  );
}
