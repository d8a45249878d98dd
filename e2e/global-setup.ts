import type { TestProject } from 'vitest/node';
import { createServer, type ViteDevServer } from 'vite';

let server: ViteDevServer | undefined;

/** One Vite dev server for the whole e2e run; tests read its URL with inject('baseURL'). */
export async function setup(project: TestProject) {
  server = await createServer({
    root: process.cwd(),
    logLevel: 'warn',
    // No HMR and no file watching: a file saved during a run must not reload the page under test.
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite dev server did not report a URL');
  project.provide('baseURL', url);
}

export async function teardown() {
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}
