import { Component, type ErrorInfo, type ReactNode } from 'react';

/** Never a blank page: shows what went wrong, keeps the prompt (it lives in the URL) and offers a way back. */
export class ErrorBoundary extends Component<{ children: ReactNode; prompt?: () => string }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.warn('view crashed', error, info.componentStack);
  }
  override render() {
    if (!this.state.error) return this.props.children;
    let prompt = '';
    try {
      prompt = this.props.prompt?.() ?? '';
    } catch {
      /* ignore */
    }
    return (
      <section className="panel crash" role="alert" data-testid="error">
        <h2>This view stopped working</h2>
        <p>
          <strong>What happened:</strong> {this.state.error.message}
        </p>
        <p>Your prompt and settings are kept in the address bar. Press “Try again”, or reload the page.</p>
        {prompt && (
          <details open>
            <summary>Your prompt</summary>
            <pre className="prompt-copy">{prompt}</pre>
          </details>
        )}
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </section>
    );
  }
}
