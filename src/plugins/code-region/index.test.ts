import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {unified} from 'unified';
import remarkParse from 'remark-parse';
import type {Code, Root} from 'mdast';
import codeImport from 'remark-code-import';
import codeRegion, {extractRegion, regionNames} from './index';

const rootDir = path.resolve(__dirname, '../../..');
const fixture = 'src/plugins/code-region/fixtures/script.sh';

// remark-code-import's transformer may return a promise (its async option), which unified's types reject.
const importPlugin = codeImport as unknown as (o: {rootDir: string}) => (tree: Root, file: unknown) => void;

/** Run a page through code-region then remark-code-import, as docusaurus.config.ts does. */
function fences(markdown: string): Code[] {
  const processor = unified().use(remarkParse).use(codeRegion, {rootDir}).use(importPlugin, {rootDir});
  const tree = processor.runSync(processor.parse(markdown), {path: path.join(rootDir, 'docs/page.mdx'), dirname: path.join(rootDir, 'docs')} as never) as Root;
  return tree.children.filter((n): n is Code => n.type === 'code');
}
const fence = (meta: string, body = ''): string => `\`\`\`bash ${meta}\n${body}\`\`\`\n`;

describe('code-region: a fence filled from a region of a file', () => {
  it('fills the fence with the lines between the markers, markers (nested ones too) excluded, dedented', () => {
    const [code] = fences(fence(`title="x (inner)" file=<rootDir>/${fixture} region=inner`));
    expect(code?.value).toBe('echo inner');
    const [outer] = fences(fence(`file=<rootDir>/${fixture} region=outer`));
    expect(outer?.value).toBe('outer() {\n  echo inner\n\n  echo outer\n}');
  });

  it('keeps the title and takes file= and region= off the meta, so remark-code-import leaves the fence alone', () => {
    const [code] = fences(fence(`title="x (inner)" file=<rootDir>/${fixture} region=inner`));
    expect(code?.meta).toBe('title="x (inner)"');
    expect(code?.value).not.toContain('#!/usr/bin/env bash');
  });

  it('leaves fences without region= to remark-code-import (the whole file)', () => {
    const [code] = fences(fence(`file=<rootDir>/${fixture}`));
    expect(code?.value).toContain('#!/usr/bin/env bash');
  });

  it.each([
    ['missing', 'region=nope', /docs\/page\.mdx:1: region "nope" is not in src\/plugins\/code-region\/fixtures\/script\.sh \(mark it with the lines "# region nope" and "# endregion nope"\)/],
    ['defined twice', 'region=twice', /region "twice" is defined 2 times/],
    ['not closed', 'region=unclosed', /has 0 "# endregion unclosed" lines/],
    ['closed before it opens', 'region=backwards', /comes before/],
    ['empty', 'region=empty', /region "empty" in .* is empty/],
  ])('fails the build with a clear message when the region is %s', (_what, meta, message) => {
    expect(() => fences(fence(`file=<rootDir>/${fixture} ${meta}`))).toThrow(message);
  });

  it('fails when the file does not exist, when file= is missing, or when the fence is not empty', () => {
    expect(() => fences(fence('file=<rootDir>/scripts/no-such-file.sh region=x'))).toThrow(/scripts\/no-such-file\.sh does not exist/);
    expect(() => fences(fence('region=inner'))).toThrow(/needs file=<rootDir>\/PATH too/);
    expect(() => fences(fence(`file=<rootDir>/${fixture} region=inner`, 'pasted\n'))).toThrow(/must be left empty/);
  });

  it('lists the regions a file defines', () => {
    expect(regionNames('# region a\n  # region b\n  # endregion b\n# endregion a\n')).toEqual(['a', 'b']);
  });

  it('extractRegion names the file in its error', () => {
    expect(() => extractRegion('echo\n', 'cli', 'scripts/mini-container.sh')).toThrow(/not in scripts\/mini-container\.sh/);
  });
});
