import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {buildChecklist, docIdOf, titleOf} from './checklist';

describe('the per-part checklist', () => {
  it('names a page by its Docusaurus doc id', () => {
    expect(docIdOf('docs/10-silos-isolation/02-pid-namespace.mdx')).toBe('silos-isolation/pid-namespace');
  });

  it('reads plain and quoted titles', () => {
    expect(titleOf('---\ntitle: PID namespace\n---\n', 'x.mdx')).toBe('PID namespace');
    expect(titleOf('---\ntitle: "Silos: summary"\n---\n', 'x.mdx')).toBe('Silos: summary');
    expect(titleOf("---\ntitle: 'It''s'\n---\n", 'x.mdx')).toBe("It's");
    expect(titleOf('no front matter', 'docs/10-a/02-b-c.mdx')).toBe('b-c');
  });

  it('lists every part with pages, chapters in reading order, each with the labs it shows', () => {
    const list = buildChecklist(path.resolve(__dirname, '../..'));
    const silos = list.find((p) => p.folder === '10-silos-isolation');
    expect(silos?.chapters[0]?.id).toBe('silos-isolation/just-a-process');
    const pid = silos?.chapters.find((c) => c.id === 'silos-isolation/pid-namespace');
    expect(pid).toEqual({id: 'silos-isolation/pid-namespace', title: 'PID namespace', path: '/docs/silos-isolation/pid-namespace', labs: ['silos/pid-ns']});
    const labs = list.flatMap((p) => p.chapters.flatMap((c) => c.labs));
    expect(labs, 'every lab is on the checklist once').toContain('security/apparmor');
    expect(new Set(labs).size).toBe(labs.length);
  });
});
