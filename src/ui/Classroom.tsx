import type { DecodeConfig } from '../engine/config/index.ts';
import { PRESETS, presetAvailable, presetHref, presetState } from './lib/presets.ts';
import type { Mode } from './lib/urlState.ts';

export function ClassroomGallery({ onOpen }: { onOpen: (s: { config: DecodeConfig; mode: Mode; compare?: DecodeConfig }) => void }) {
  const ready = PRESETS.filter(presetAvailable);
  const later = PRESETS.filter((p) => !presetAvailable(p));
  return (
    <section className="panel view" data-testid="view-classroom" aria-labelledby="class-h">
      <h2 id="class-h">Classroom gallery</h2>
      <p className="muted">Each card is a link: open it here, or copy it for your students. They run on the embedded model, offline.</p>
      <div className="gallery">
        {ready.map((p) => (
          <article key={p.id} className="card" data-testid={`preset-${p.id}`}>
            <h3>{p.title}</h3>
            <p>{p.explanation}</p>
            <a
              href={presetHref(p)}
              className="button primary"
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                onOpen(presetState(p));
              }}
            >
              Open {p.mode === 'compare' ? 'comparison' : 'demo'} →
            </a>
          </article>
        ))}
      </div>
      {later.length > 0 && (
        <p className="muted small-text">Coming with the next strategies: {later.map((p) => p.title).join(' · ')}.</p>
      )}
    </section>
  );
}
