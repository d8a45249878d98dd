import { useCallback, useEffect, useRef, useState } from 'react';
import type { DecodeConfig } from '../../engine/config/index.ts';
import { isEmbeddedModel } from '../../engine/model/catalog.ts';
import { modelKey } from '../../engine/model-key.ts';
import type { Capabilities, LoadProgress } from '../../worker/protocol.ts';
import type { LoadState } from '../ModelPanel.tsx';
import { withFileProgress } from '../lib/loadProgress.ts';
import { Comlink, engine, onEngineCrash, resetEngine } from '../lib/engineClient.ts';
import { explainError } from '../lib/errors.ts';

/**
 * The worker's capabilities and the models it holds: one load per model key at a time, hub models
 * only after the user agrees to the download, and a fresh worker after a crash or a cancel.
 * `busy`: a decode is running, so a changed configuration waits for the next run to load.
 */
export function useModelLoading(config: DecodeConfig, busy: boolean) {
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [load, setLoad] = useState<LoadState>({ status: 'idle', model: config.model, files: [] });
  const [crash, setCrash] = useState<string | null>(null);
  const confirmed = useRef(new Set<string>());
  const inflight = useRef<{ key: string; promise: Promise<boolean> } | null>(null);
  const loadedKey = useRef<string | null>(null);
  const configRef = useRef(config);
  configRef.current = config;
  const busyRef = useRef(busy);
  busyRef.current = busy;

  const forgetWorker = useCallback(() => {
    inflight.current = null;
    loadedKey.current = null;
    setLoad((s) => ({ ...s, status: 'idle', files: [] }));
  }, []);

  useEffect(() => {
    let live = true;
    engine()
      .capabilities()
      .then((c) => live && setCaps(c))
      .catch(() => undefined);
    const off = onEngineCrash((m) => {
      setCrash(m);
      resetEngine();
      forgetWorker();
    });
    return () => {
      live = false;
      off();
    };
  }, [forgetWorker]);

  /** Resolves true once the models are loaded; false if the user must agree first or loading failed. */
  const ensureModel = useCallback((cfg: DecodeConfig): Promise<boolean> => {
    const key = modelKey(cfg);
    if (loadedKey.current === key) return Promise.resolve(true);
    if (inflight.current?.key === key) return inflight.current.promise;
    if (!isEmbeddedModel(cfg.model) && !confirmed.current.has(cfg.model)) {
      setLoad({ status: 'ask', model: cfg.model, files: [] });
      return Promise.resolve(false);
    }
    setLoad({ status: 'loading', model: cfg.model, files: [] });
    const onProgress = Comlink.proxy((model: string, p: LoadProgress) => {
      if (!p.file) return;
      setLoad((s) => (s.status === 'loading' ? { ...s, files: withFileProgress(s.files, model, p) } : s));
    });
    const promise = engine()
      .load(cfg, onProgress)
      .then((loaded) => {
        loadedKey.current = key;
        setLoad((s) => ({ ...s, status: 'ready', model: cfg.model, loaded, error: undefined }));
        return true;
      })
      .catch((err: unknown) => {
        loadedKey.current = null;
        const message = err instanceof Error ? err.message : String(err);
        setLoad((s) => ({ ...s, status: 'error', model: cfg.model, error: explainError(message, { model: cfg.model, online: navigator.onLine }) }));
        return false;
      })
      .finally(() => {
        if (inflight.current?.key === key) inflight.current = null;
      });
    inflight.current = { key, promise };
    return promise;
  }, []);

  // Load (or ask about) the configured model whenever it changes; embedded models need no network.
  const key = modelKey(config);
  useEffect(() => {
    // Never swap models under a running decode: the next Run loads what the config asks for.
    if (busyRef.current) setLoad((s) => ({ ...s, status: 'idle', model: configRef.current.model, files: [] }));
    else void ensureModel(configRef.current);
  }, [key, ensureModel]);

  const cancelLoad = useCallback(() => {
    resetEngine();
    forgetWorker();
  }, [forgetWorker]);

  /** The user agreed to download this configuration's model: load it. */
  const confirmDownload = useCallback(
    (cfg: DecodeConfig) => {
      confirmed.current.add(cfg.model);
      return ensureModel(cfg);
    },
    [ensureModel],
  );

  return { caps, load, crash, clearCrash: useCallback(() => setCrash(null), []), ensureModel, cancelLoad, confirmDownload };
}
