import {describe, expect, it} from 'vitest';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const {fileDependencies} = require('./file-deps.cjs') as {fileDependencies: (s: string) => string[]};

describe('lab-files: the files a page imports', () => {
  it('finds each file= fence once, without its line range', () => {
    const page = [
      '```bash title="run.sh" file=<rootDir>/labs/silos/pid-ns/run.sh',
      '```',
      '```mermaid file=<rootDir>/diagrams/namespaces/pid-nesting.mmd',
      '```',
      '```bash file=<rootDir>/labs/silos/pid-ns/run.sh#L3-L9',
      '```',
    ].join('\n');
    expect(fileDependencies(page)).toEqual(['labs/silos/pid-ns/run.sh', 'diagrams/namespaces/pid-nesting.mmd']);
  });

  it('ignores fences without file=', () => {
    expect(fileDependencies('```bash\necho file=labs/x\n```')).toEqual([]);
  });
});
