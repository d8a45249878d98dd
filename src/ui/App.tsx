import { CapabilityPanel } from './CapabilityPanel.tsx';

const VIEWS = [
  { id: 'tokens', title: 'Token stream', note: 'Emitted tokens coloured by probability and rank.' },
  { id: 'probabilities', title: 'Probabilities', note: 'Raw vs processed top-k and the processor waterfall.' },
  { id: 'entropy', title: 'Entropy timeline', note: 'Entropy and varentropy per step; where reranking acted.' },
  { id: 'speculative', title: 'Speculative decoding', note: 'Draft tree per step and what the target accepted.' },
];

export function App() {
  return (
    <div className="app">
      <header>
        <h1>Decoding Playground</h1>
        <p className="tagline">Watch a language model choose its next token — and what each decoding strategy does about it.</p>
      </header>
      <main>
        <aside>
          <CapabilityPanel />
          <section className="panel" data-testid="model-panel">
            <h2>Model</h2>
            <p className="muted">Embedded pair: playground/brown-target-v1 with draft playground/brown-draft-v1.</p>
          </section>
        </aside>
        <div className="views">
          {VIEWS.map((v) => (
            <section key={v.id} className="panel view" data-testid={`view-${v.id}`}>
              <h2>{v.title}</h2>
              <p className="muted">{v.note}</p>
            </section>
          ))}
        </div>
      </main>
    </div>
  );
}
