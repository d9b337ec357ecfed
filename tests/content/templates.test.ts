// Nothing of labs/_template is left to fill in: `npm run new` (src/lib/scaffold.ts) copies the
// template with the lab's names filled in, and leaves the prose placeholders (<…> in the lab's
// files, TODO in the page) and a placeholder expected-output.txt for the contributor. These tests
// list what is left, each with what to do.
import {describe, expect, it} from 'vitest';
import {fill, placeholders, TEMPLATE_DIR} from '../../src/lib/scaffold';
import {labs, needsLab, pages, read} from './repo';

const PROSE_FILES = ['README.md', 'run.sh', 'lab.manifest'] as const;
/** The template's placeholders once the names are filled in: what the contributor writes. */
const left = Object.fromEntries(
  PROSE_FILES.map((f) => [f, placeholders(fill(read(`${TEMPLATE_DIR}/${f}`), {topic: 'topic', lab: 'lab', chapterPath: 'docs/x.mdx'}))]),
) as Record<(typeof PROSE_FILES)[number], string[]>;

describe('labs/_template: what npm run new leaves to write', () => {
  it('the template has placeholders to find (else these tests check nothing)', () => {
    expect(left['README.md'].length, `${TEMPLATE_DIR}/README.md: no <…> placeholder found`).toBeGreaterThan(0);
    expect(left['run.sh'].length, `${TEMPLATE_DIR}/run.sh: no <…> placeholder found`).toBeGreaterThan(0);
  });

  it.each(labs)('%s/expected-output.txt is the stdout of a real run, not the template placeholder', (lab) => {
    expect(
      read(`${lab}/expected-output.txt`).startsWith('placeholder:'),
      `${lab}/expected-output.txt is still the placeholder: run the lab as root, save its stdout and read it: ` +
        `sudo flock /run/lock/cfs-labs.lock ${lab}/run.sh > ${lab}/expected-output.txt`,
    ).toBe(false);
  });

  it.each(labs)('%s: README.md, run.sh and lab.manifest hold none of the template placeholders', (lab) => {
    for (const f of PROSE_FILES) {
      const text = read(`${lab}/${f}`);
      const found = left[f].filter((p) => text.includes(p));
      expect(found, `${lab}/${f}: write what these placeholders of the template ask for: ${found.join(' ')}`).toEqual([]);
      expect(text, `${lab}/${f}: remove the TEMPLATE: lines (npm run new drops them)`).not.toMatch(/^\s*(#|<!--|\{\/\*)\s*TEMPLATE:/m);
    }
  });
});

describe('docs/: pages made from labs/_template/chapter.mdx', () => {
  it.each(pages.filter(needsLab))('%s holds no TODO of the template', (page) => {
    const todos = read(page)
      .split('\n')
      .flatMap((line, i) => (/\bTODO\b/.test(line) ? [`${page}:${i + 1}: ${line.trim()}`] : []));
    expect(todos, `${page}: write these parts of the page (the template's TODOs), then delete the TODO`).toEqual([]);
  });
});
