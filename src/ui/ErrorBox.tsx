import type { Explained } from './lib/errors.ts';

/** The page's one error panel: an engine crash first, then a failed run, then a failed load. */
export function ErrorBox({ crash, runError, loadError }: { crash: string | null; runError: Explained | null; loadError: Explained | null }) {
  if (!crash && !runError && !loadError) return null;
  const explained = runError ? { ...runError, title: `The run failed: ${runError.title}` } : loadError;
  return (
    <section className="panel error-box" role="alert" data-testid="error">
      {crash ? (
        <>
          <strong>The engine stopped.</strong> {crash}. It restarts on the next run; your prompt and settings are kept.
        </>
      ) : explained ? (
        <>
          <strong>{explained.title}.</strong> {explained.advice}
          <br />
          <small>Details: {explained.detail}</small>
        </>
      ) : null}
    </section>
  );
}
