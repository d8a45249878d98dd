import { defineConfig } from 'vitest/config';

// The bench smoke test on its own: `npx vitest run --config bench/vitest.config.ts`.
// `npm test` runs it once the root vitest.config.ts include list has 'bench/**/*.test.ts'.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
