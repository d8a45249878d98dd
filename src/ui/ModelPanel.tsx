import { useEffect, useState } from 'react';
import { BACKENDS, DEFAULT_MODEL, DTYPES, checkModelId, type DecodeConfig } from '../engine/config/index.ts';
import { CATALOG, catalogEntry } from '../engine/model/catalog.ts';
import type { Capabilities, LoadedState } from '../worker/protocol.ts';
import type { Explained } from './lib/errors.ts';
import { formatBytes } from './lib/format.ts';
import { fileFraction, fileText, overallFraction, overallProgress, overallText, type FileProgress } from './lib/loadProgress.ts';

type LoadStatus = 'idle' | 'ask' | 'loading' | 'ready' | 'error';

export interface LoadState {
  status: LoadStatus;
  /** The model this state is about. */
  model: string;
  files: FileProgress[];
  loaded?: LoadedState;
  error?: Explained;
}

/** Models that share a tokenizer with `id` (usable as a target/draft pair). */
function tokenizerPartners(id: string): string[] {
  const e = catalogEntry(id);
  if (!e) return [];
  return CATALOG.filter((m) => m.id !== id && m.tokenizerFamily === e.tokenizerFamily).map((m) => m.label);
}

export function ModelPanel({
  config,
  onChange,
  load,
  caps,
  onLoad,
  onCancel,
  onUseEmbedded,
}: {
  config: DecodeConfig;
  onChange: (c: DecodeConfig) => void;
  load: LoadState;
  caps: Capabilities | null;
  onLoad: () => void;
  onCancel: () => void;
  onUseEmbedded: () => void;
}) {
  const [hubId, setHubId] = useState('');
  const [hubProblem, setHubProblem] = useState<string | null>(null);
  const [storage, setStorage] = useState<{ usage: number; quota: number } | null>(null);
  // Measured again whenever a download is proposed: the preflight compares it with the model size.
  useEffect(() => {
    void navigator.storage
      ?.estimate?.()
      .then((e) => setStorage({ usage: e.usage ?? 0, quota: e.quota ?? 0 }))
      .catch(() => undefined);
  }, [load.status]);

  const entry = catalogEntry(config.model);
  const partners = tokenizerPartners(config.model);
  const f16 = caps?.webgpu ? caps.shaderF16 : false;
  const files = load.files.filter((f) => f.model === load.model);
  const overall = overallProgress(load);
  const sizeText = entry ? `about ${entry.sizeMB} MB` : 'of unknown size (not in the catalog)';
  const shortfall = storageShortfall(entry?.sizeMB, storage);

  return (
    <section className="panel" data-testid="model-panel" aria-labelledby="model-h">
      <h2 id="model-h">Model</h2>
      <label htmlFor="model-select">Model</label>
      <select
        id="model-select"
        data-testid="model-select"
        value={entry ? config.model : '__custom'}
        onChange={(e) => e.target.value !== '__custom' && onChange({ ...config, model: e.target.value })}
      >
        <optgroup label="Embedded (offline)">
          {CATALOG.filter((m) => m.embedded && m.role !== 'draft').map((m) => (
            <option key={m.id} value={m.id}>
              {m.label} · {m.sizeMB} MB
            </option>
          ))}
        </optgroup>
        <optgroup label="Hugging Face hub (downloads)">
          {CATALOG.filter((m) => !m.embedded).map((m) => (
            <option key={m.id} value={m.id}>
              {m.label} · {m.sizeMB} MB · tokenizer {m.tokenizerFamily}
            </option>
          ))}
        </optgroup>
        {!entry && <option value="__custom">{config.model} (typed id)</option>}
      </select>
      <p className="muted small-text" data-testid="model-info">
        <code>{config.model}</code>
        {entry?.note ? ` — ${entry.note}` : ''}
        {partners.length > 0 && (
          <>
            <br />
            <span className="pair-badge">pair</span> shares its tokenizer with {partners.join(', ')}
          </>
        )}
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const id = hubId.trim();
          const why = checkModelId(id);
          if (why) return setHubProblem(`"${id}" ${why}`);
          setHubProblem(null);
          onChange({ ...config, model: id });
        }}
      >
        <input
          aria-label="Any Hugging Face model id"
          placeholder="any hub id, e.g. owner/name"
          data-testid="hub-id"
          value={hubId}
          onChange={(e) => setHubId(e.target.value)}
        />
        <button type="submit">Use</button>
      </form>
      {hubProblem && <small className="invalid">{hubProblem}</small>}

      <div className="row two">
        <div>
          <label htmlFor="backend-select">Backend</label>
          <select id="backend-select" data-testid="backend-select" value={config.backend} onChange={(e) => onChange({ ...config, backend: e.target.value as DecodeConfig['backend'] })}>
            {BACKENDS.map((b) => (
              <option key={b} value={b} disabled={b === 'cpu' || (b === 'webgpu' && caps !== null && !caps.webgpu)}>
                {b === 'auto' ? 'auto' : b === 'webgpu' ? 'WebGPU' : b === 'wasm' ? 'WASM (CPU)' : 'cpu (command line only)'}
                {b === 'webgpu' && caps !== null && !caps.webgpu ? ' (unavailable)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="dtype-select">Weights</label>
          <select id="dtype-select" data-testid="dtype-select" value={config.dtype} onChange={(e) => onChange({ ...config, dtype: e.target.value as DecodeConfig['dtype'] })}>
            {DTYPES.map((d) => {
              const needsF16 = d === 'fp16' || d === 'q4f16';
              return (
                <option key={d} value={d}>
                  {d}
                  {needsF16 && caps?.webgpu && !f16 ? ' (WASM only: no shader-f16)' : ''}
                </option>
              );
            })}
          </select>
        </div>
      </div>
      <p className="muted small-text">
        {caps === null
          ? 'Checking what the engine can use…'
          : caps.webgpu
            ? `Engine GPU: ${caps.vendor}${caps.shaderF16 ? ', shader-f16' : ', no shader-f16'}, max buffer ${Math.round(caps.limits.maxBufferSize / 2 ** 20)} MiB.`
            : 'Engine: WebGPU unavailable, models run on WASM.'}
        {storage && storage.quota > 0 && ` Storage: ${formatBytes(storage.usage)} used of ${formatBytes(storage.quota)}.`}
      </p>

      {config.chat && load.status === 'ready' && load.loaded && !load.loaded.chatTemplate && (
        <small className="invalid" data-testid="chat-ignored">
          {load.loaded.target} has no chat template: chat is ignored and the prompt is used as plain text.
        </small>
      )}

      <div className="load-status" data-testid="load-status" data-status={load.status}>
        {load.status === 'ask' && (
          <div className="ask" data-testid="download-ask">
            <p>
              <strong>{config.model}</strong> is not embedded: loading it downloads {sizeText} from huggingface.co.
            </p>
            {shortfall && (
              <p className="invalid" data-testid="storage-short">
                Not enough browser storage: the download needs about {formatBytes(shortfall.need)} and this site has {formatBytes(shortfall.free)} free. Free some space (or
                pick a smaller model or weight format) and try again.
              </p>
            )}
            <div className="row">
              <button type="button" className="primary" data-testid="download-confirm" onClick={onLoad} disabled={shortfall !== null}>
                Download {entry ? `${entry.sizeMB} MB` : ''}
              </button>
              <button type="button" onClick={onUseEmbedded}>
                Use the embedded model
              </button>
            </div>
          </div>
        )}
        {load.status === 'idle' && (
          <button type="button" onClick={onLoad}>
            Load model
          </button>
        )}
        {load.status === 'loading' && (
          <>
            <p>
              Loading <code>{load.model}</code>…
            </p>
            <Progress label="overall" text={overallText(overall)} fraction={overallFraction(overall)} testId="progress-overall" />
            {files.map((f) => (
              <Progress key={f.file} label={f.file} text={fileText(f)} fraction={fileFraction(f)} />
            ))}
            <button type="button" onClick={onCancel} data-testid="load-cancel">
              Cancel
            </button>
          </>
        )}
        {load.status === 'ready' && load.loaded && (
          <p className="ok" data-testid="model-ready">
            ✓ Ready: <code>{load.loaded.target}</code> on {load.loaded.backend === 'webgpu' ? 'WebGPU' : load.loaded.backend.toUpperCase()} ({load.loaded.dtype}, vocabulary{' '}
            {load.loaded.vocabSize.toLocaleString('en-US')})
            {load.loaded.notes.map((n, i) => (
              <span key={i} className="note">
                <br />
                Note: {n}
              </span>
            ))}
          </p>
        )}
        {load.status === 'error' && load.error && (
          <div className="error-box">
            <p>
              <strong>{load.error.title}</strong>
            </p>
            <p>{load.error.advice}</p>
            <div className="row">
              <button type="button" onClick={onLoad}>
                Try again
              </button>
              {config.model !== DEFAULT_MODEL && (
                <button type="button" onClick={onUseEmbedded}>
                  Use the embedded model
                </button>
              )}
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

function Progress({ label, text, fraction, testId }: { label: string; text: string; fraction: number | undefined; testId?: string }) {
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-label">
        <span className="file">{label}</span>
        <span>{text}</span>
      </div>
      <progress max={1} value={fraction} aria-label={`${label} progress`} />
    </div>
  );
}

/** One line above the views: what model is (being) loaded, always visible while the controls scroll. */
export function ModelStatusStrip({ load, onLoad, onUseEmbedded }: { load: LoadState; onLoad: () => void; onUseEmbedded: () => void }) {
  const entry = catalogEntry(load.model);
  const overall = overallProgress(load);
  return (
    <div className={`strip strip-${load.status}`} data-testid="model-strip" data-status={load.status} role="status">
      {load.status === 'loading' && (
        <>
          <span>
            Loading <code>{load.model}</code>: {overallText(overall)}
          </span>
          <progress max={1} value={overallFraction(overall)} aria-label="overall loading progress" />
        </>
      )}
      {load.status === 'ready' && load.loaded && (
        <span>
          Model <code>{load.loaded.target}</code> ready on {load.loaded.backend === 'webgpu' ? 'WebGPU' : load.loaded.backend.toUpperCase()} ({load.loaded.dtype})
        </span>
      )}
      {load.status === 'ask' && (
        <>
          <span>
            <code>{load.model}</code> needs a download ({entry ? `about ${entry.sizeMB} MB` : 'size unknown'}).
          </span>
          <button type="button" className="small primary" onClick={onLoad}>
            Download
          </button>
          <button type="button" className="small" onClick={onUseEmbedded}>
            Use embedded
          </button>
        </>
      )}
      {load.status === 'error' && (
        <span>
          <code>{load.model}</code> failed to load — see the message above.
        </span>
      )}
      {load.status === 'idle' && (
        <>
          <span>No model loaded.</span>
          <button type="button" className="small" onClick={onLoad}>
            Load
          </button>
        </>
      )}
    </div>
  );
}

/**
 * Storage preflight, before any byte is downloaded: the model's size (catalog figure) against
 * what navigator.storage.estimate() says this site may still store. Null when it fits or when
 * either figure is unknown (the download then proceeds and a full disk reports its own error).
 */
export function storageShortfall(sizeMB: number | undefined, storage: { usage: number; quota: number } | null): { need: number; free: number } | null {
  if (sizeMB === undefined || !storage || storage.quota <= 0) return null;
  const need = sizeMB * 1e6;
  const free = Math.max(0, storage.quota - storage.usage);
  return free < need ? { need, free } : null;
}
