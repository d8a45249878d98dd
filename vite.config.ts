import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const root = import.meta.dirname;

/** ONNX Runtime's wasm runtime, served by the app itself: offline use must never hit a CDN. */
const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

function copyOrtRuntime(): Plugin {
  const copy = () => {
    const dest = resolve(root, 'public/ort');
    mkdirSync(dest, { recursive: true });
    for (const f of ORT_FILES) {
      copyFileSync(resolve(root, 'node_modules/onnxruntime-web/dist', f), resolve(dest, f));
    }
  };
  // In `config`, the earliest hook: Vite lists public/ files once at start-up.
  return { name: 'copy-ort-runtime', config: copy };
}

/**
 * Vite's SPA fallback answers any missing path with index.html (status 200). transformers.js
 * then parses HTML as JSON or ONNX and caches the bad answer; a plain 404 lets it report
 * "file not found" or try the next dtype.
 */
function modelsNotFound(): Plugin {
  const handler = (req: { url?: string }, res: { statusCode: number; end: (s: string) => void }, next: () => void) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]);
    if (url.startsWith('/models/') && !url.includes('..') && !existsSync(resolve(root, 'public', '.' + url))) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    next();
  };
  return {
    name: 'models-404',
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
  };
}

// Cross-origin isolation lets ONNX Runtime use SharedArrayBuffer (threaded wasm).
const headers = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), copyOrtRuntime(), modelsNotFound()],
  server: { headers, host: '127.0.0.1' },
  preview: { headers, host: '127.0.0.1' },
  worker: { format: 'es' },
  optimizeDeps: {
    // Pre-bundle every browser dependency at start-up. A dependency discovered later makes Vite
    // re-optimize and answer the page's stale imports with 504 "Outdated Optimize Dep" (the
    // worker and the e2e pages are not reachable from index.html, so scan them too).
    entries: ['index.html', 'e2e/pages/*.html', 'src/worker/*.ts'],
    include: ['react', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'react-dom', 'react-dom/client', 'd3', 'comlink', 'zod'],
    // transformers.js and ORT load their own wasm and workers by URL: serve them untouched.
    exclude: ['onnxruntime-web', '@huggingface/transformers'],
  },
  build: { target: 'es2022' },
});
