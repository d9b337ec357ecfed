import {defineConfig} from 'vitest/config';

// The browser smoke test: run after `npm run build`, against build/ served on loopback.
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 60_000,
    sequence: {concurrent: false},
  },
});
