import {defineConfig} from 'vitest/config';

// The browser labs (tests/browser/run-in-browser.v86.ts): the v86 guest in Chromium runs each lab
// whose manifest says "verify: … browser". Needs sudo scripts/v86/build.sh, then npm run build.
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.v86.ts'],
    environment: 'node',
    testTimeout: 420_000,
    hookTimeout: 60_000,
    sequence: {concurrent: false},
    fileParallelism: false,
  },
});
