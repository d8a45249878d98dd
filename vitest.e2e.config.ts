import { defineConfig } from 'vitest/config';

// End-to-end tests drive real Chromium through Playwright against the Vite dev server that
// e2e/setup.ts starts once for the whole run.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
