import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { ErrorBoundary } from './ui/ErrorBoundary.tsx';
import './ui/styles.css';

// Never a blank page: even a crash of the whole app shows what happened and the prompt from the link.
const linkPrompt = () => new URLSearchParams(window.location.search).get('prompt') ?? '';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary prompt={linkPrompt}>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
