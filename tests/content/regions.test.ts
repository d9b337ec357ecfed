// Part 80 walks through scripts/mini-container.sh region by region (src/plugins/code-region):
// every region a page names must exist exactly once in its file, so prose cannot drift from code.
import {describe, expect, it} from 'vitest';
import {visit} from 'unist-util-visit';
import type {Code} from 'mdast';
import {exists, pages, parsePage, read} from './repo';
import {findMarkers} from '../../src/plugins/code-region';

type Use = {page: string; line: number; file: string; region: string};

const uses: Use[] = pages.flatMap((page) => {
  const found: Use[] = [];
  visit(parsePage(page).tree, 'code', (node: Code) => {
    const metas = (node.meta ?? '').split(/(?<!\\) /);
    const region = metas.find((m) => m.startsWith('region='))?.slice('region='.length);
    if (region === undefined) return;
    const file = (metas.find((m) => m.startsWith('file=')) ?? '').replace(/^file=<rootDir>\//, '');
    found.push({page, line: node.position?.start.line ?? 0, file, region});
  });
  return found;
});

describe('docs/: region= fences (code walked through from the file itself)', () => {
  it('every region= fence is found (the list below is complete)', () => {
    const fences = pages.filter((p) => /\bregion=/.test(read(p))).length;
    expect(fences === 0 || uses.length > 0, 'a page has region= in a form this test does not parse: write it in a code fence meta').toBe(true);
  });

  it.skipIf(uses.length === 0).each(uses.map((u) => [`${u.page}:${u.line} ${u.file} region=${u.region}`, u] as const))('%s exists exactly once', (_name, use) => {
    expect(use.file, `${use.page}:${use.line}: a region= fence needs file=<rootDir>/PATH`).not.toBe('');
    expect(exists(use.file), `${use.page}:${use.line}: ${use.file} does not exist`).toBe(true);
    const {starts, ends} = findMarkers(read(use.file), use.region);
    expect(starts.length, `${use.page}:${use.line}: ${use.file} must hold the line "# region ${use.region}" exactly once`).toBe(1);
    expect(ends.length, `${use.page}:${use.line}: ${use.file} must hold the line "# endregion ${use.region}" exactly once`).toBe(1);
    expect((ends[0] as number) > (starts[0] as number), `${use.page}:${use.line}: "# endregion ${use.region}" must come after "# region ${use.region}"`).toBe(true);
  });
});
