import {defineConfig} from 'vitest/config';

export default defineConfig({
  // Components are tested too (src/components/*/*.test.ts render them): compile their JSX for React
  // (tsconfig.json says "preserve", for Docusaurus's own compiler).
  oxc: {jsx: {runtime: 'automatic'}},
  test: {
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    // The first test of a file that looks at every page parses them all (MDX): seconds on a busy
    // machine, beyond the 5 s default.
    testTimeout: 30_000,
    // mermaid runs through vite so that tests/content/mermaid-parse.test.ts can stand in for
    // DOMPurify (the parser does not need it; it needs a browser window).
    server: {deps: {inline: ['mermaid']}},
  },
});
