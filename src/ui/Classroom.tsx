import type { DecodeConfig } from '../engine/config/index.ts';
import { PRESETS, presetHref, presetState } from './lib/presets.ts';
import type { Mode } from './lib/urlState.ts';

export function ClassroomGallery({ onOpen }: { onOpen: (s: { config: DecodeConfig; mode: Mode; compare?: DecodeConfig }) => void }) {
  return (
    <section className="panel view" data-testid="view-classroom" aria-labelledby="class-h">
      <h2 id="class-h">Classroom gallery</h2>
      <p className="muted">Each card is a link: open it here, or copy it for your students. They run on the embedded model, offline.</p>
      <div className="gallery">
        {PRESETS.map((p) => (
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
    </section>
  );
}
