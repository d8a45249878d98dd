/** The link's warnings: visible until dismissed, each as plain text. */
export function WarningsBanner({ warnings, onDismiss }: { warnings: string[]; onDismiss: () => void }) {
  if (!warnings.length) return null;
  return (
    <section className="banner" role="status" data-testid="warnings">
      <div>
        <strong>
          The link had {warnings.length === 1 ? 'a problem' : `${warnings.length} problems`}; the app runs with these fixes:
        </strong>
        <ul>
          {warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      </div>
      <button type="button" className="dismiss" aria-label="Dismiss warnings" onClick={onDismiss}>
        Dismiss ✕
      </button>
    </section>
  );
}
