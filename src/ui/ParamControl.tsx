import { useEffect, useId, useState } from 'react';
import { PARAMS, normalizeConfig, type DecodeConfig, type ParamKey, type ParamSpec } from '../engine/config/index.ts';
import { formatNumber } from './lib/format.ts';

/** Every parameter control is generated from the parameter table (label, help, range, step). */
export function ParamControl({
  k,
  config,
  onChange,
  idPrefix = '',
}: {
  k: ParamKey;
  config: DecodeConfig;
  onChange: (c: DecodeConfig) => void;
  idPrefix?: string;
}) {
  const spec: ParamSpec = PARAMS[k];
  const id = useId();
  const value = config[k] as unknown;
  const [draft, setDraft] = useState(() => show(value));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setDraft(show(value));
    setProblem(null);
  }, [value]);

  /** Commits a raw value through the normalizer; a value it would change is flagged, not applied. */
  const commit = (raw: unknown) => {
    const r = normalizeConfig({ ...config, [k]: raw });
    const mine = r.warnings.filter((w) => w.includes(k));
    if (mine.length) {
      setProblem(mine[0]);
      return;
    }
    setProblem(null);
    onChange(r.config);
  };

  const disabled = 'enabledBy' in spec && spec.enabledBy ? !config[spec.enabledBy] : false;
  const range =
    spec.kind === 'int' || spec.kind === 'float'
      ? `${formatNumber(spec.min)} – ${formatNumber(spec.max)}${'unit' in spec && spec.unit ? ' ' + spec.unit : ''}${'minMeans' in spec && spec.minMeans ? ` (${formatNumber(spec.min)} = ${spec.minMeans})` : ''}`
      : '';
  const testId = `param-${idPrefix}${k}`;

  let input;
  switch (spec.kind) {
    case 'float':
    case 'int': {
      const step = spec.kind === 'float' ? spec.step : 1;
      const sliderMax = spec.kind === 'int' ? Math.min(spec.max, k === 'top_k' ? 200 : spec.max) : spec.max;
      input = (
        <div className="num">
          {!('log' in spec && spec.log) && sliderMax - spec.min <= 1000 && (
            <input
              type="range"
              aria-label={`${spec.label} slider`}
              min={spec.min}
              max={sliderMax}
              step={step}
              value={Math.min(Number(value), sliderMax)}
              disabled={disabled}
              onChange={(e) => commit(Number(e.target.value))}
            />
          )}
          <input
            id={id}
            data-testid={testId}
            type="number"
            inputMode="decimal"
            min={spec.min}
            max={spec.max}
            step={step}
            value={draft}
            disabled={disabled}
            aria-invalid={problem ? true : undefined}
            onChange={(e) => {
              setDraft(e.target.value);
              if (e.target.value.trim() !== '') commit(e.target.value);
            }}
            onBlur={() => {
              setDraft(show(config[k]));
              setProblem(null);
            }}
          />
        </div>
      );
      break;
    }
    case 'enum':
      input = (
        <select id={id} data-testid={testId} value={String(value)} disabled={disabled} onChange={(e) => commit(e.target.value)}>
          {spec.values.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      );
      break;
    case 'bool':
      input = <input id={id} data-testid={testId} type="checkbox" checked={Boolean(value)} onChange={(e) => commit(e.target.checked)} />;
      break;
    case 'list':
      input = (
        <textarea
          id={id}
          data-testid={testId}
          rows={2}
          placeholder="one per line"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            commit(e.target.value.split('\n').filter((s) => s !== ''));
          }}
        />
      );
      break;
    case 'text':
      input = (
        <>
          <input
            id={id}
            data-testid={testId}
            type="text"
            value={draft}
            maxLength={spec.maxChars}
            list={spec.suggestions ? `${id}-suggestions` : undefined}
            onChange={(e) => {
              setDraft(e.target.value);
              commit(e.target.value);
            }}
          />
          {spec.suggestions && (
            <datalist id={`${id}-suggestions`}>
              {spec.suggestions.map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
          )}
        </>
      );
      break;
  }

  return (
    <div className={`param${disabled ? ' disabled' : ''}`}>
      <label htmlFor={id}>
        {spec.label} {range && <span className="range">{range}</span>}
      </label>
      {input}
      <small className="help">{spec.help}</small>
      {problem && <small className="invalid" role="alert">{problem}</small>}
    </div>
  );
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.join('\n');
  if (typeof v === 'number') return formatNumber(v);
  return String(v ?? '');
}
