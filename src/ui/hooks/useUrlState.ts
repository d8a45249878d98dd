import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { normalizeConfig, type DecodeConfig } from '../../engine/config/index.ts';
import { defaultCompare, readPageState, writePageState, type Mode, type PageState } from '../lib/urlState.ts';

const DEFAULT_ANALYZE_TEXT = 'The old man looked at the sea and said nothing.';

/**
 * The page state that lives in the address bar: configuration, mode, compare config, analyze text,
 * and the warnings the link produced. Every change replaces the current history entry, except that
 * a run seals its entry (state.ran), so the first change after a run starts a new one: Back
 * returns to each run.
 */
export function useUrlState() {
  const initial = useMemo(() => readPageState(window.location.search), []);
  const [config, setConfigAsIs] = useState<DecodeConfig>(initial.config);
  const [mode, setMode] = useState<Mode>(initial.mode);
  const [compareCfg, setCompareCfg] = useState<DecodeConfig>(initial.compare ?? defaultCompare(initial.config));
  const [warnings, setWarnings] = useState<string[]>(initial.warnings);
  const [analyzeText, setAnalyzeText] = useState<string>(initial.text ?? DEFAULT_ANALYZE_TEXT);
  const [copied, setCopied] = useState<string | null>(null);

  // Callbacks read the newest config without being recreated on every edit.
  const configRef = useRef(config);
  configRef.current = config;
  const setConfig = useCallback((c: DecodeConfig) => setConfigAsIs(normalizeConfig(c).config), []);

  /** Shows a whole page state (Back/Forward, a classroom preset); warnings default to none. */
  const showPageState = useCallback((s: Omit<PageState, 'warnings'> & { warnings?: string[] }) => {
    setConfigAsIs(s.config);
    setMode(s.mode);
    if (s.compare) setCompareCfg(s.compare);
    if (s.text !== undefined) setAnalyzeText(s.text);
    setWarnings(s.warnings ?? []);
  }, []);

  const query = writePageState({ config, mode, compare: compareCfg, text: analyzeText });
  useEffect(() => {
    if (window.location.search === query) return;
    if (window.history.state?.ran) window.history.pushState(null, '', query);
    else window.history.replaceState(window.history.state, '', query);
  }, [query]);
  useEffect(() => {
    const onPop = () => showPageState(readPageState(window.location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, [showPageState]);

  /** Records a run's page state as its own history entry (sealed: the next change pushes). */
  const pushUrl = useCallback((q: string) => {
    if (window.location.search !== q && window.history.state?.ran) window.history.pushState({ ran: q }, '', q);
    else window.history.replaceState({ ran: q }, '', q);
  }, []);

  const copyLink = useCallback(async () => {
    const url = window.location.origin + window.location.pathname + query;
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Link copied');
    } catch {
      setCopied(url);
    }
    setTimeout(() => setCopied(null), 4000);
  }, [query]);

  return {
    config,
    configRef,
    setConfig,
    mode,
    setMode,
    compareCfg,
    setCompareCfg,
    analyzeText,
    setAnalyzeText,
    warnings,
    dismissWarnings: useCallback(() => setWarnings([]), []),
    showPageState,
    pushUrl,
    copyLink,
    copied,
  };
}
