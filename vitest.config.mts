import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    // The first content test of a file parses every page (cached after): on a slow or busy
    // 2-core host that alone can pass vitest's 5 s default.
    testTimeout: 30_000,
  },
});
