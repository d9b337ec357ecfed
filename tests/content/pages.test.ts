import {describe, expect, it} from 'vitest';
import {parts} from '../../src/data/parts';
import {exists, labs, needsLab, pages, parsePage} from './repo';

const SECTIONS = ['Why it matters', 'How it works', 'Run the lab', 'What you will see', 'When it breaks', 'Recap', 'References'];

describe('docs/: every page', () => {
  it('there are pages at all', () => expect(pages.length).toBeGreaterThan(0));

  it.each(pages)('%s parses as MDX and has a title and a description', (page) => {
    const {frontMatter} = parsePage(page);
    expect(frontMatter.title, `${page}: add "title:" to the front matter`).toBeTruthy();
    expect(frontMatter.description, `${page}: add "description:" (one sentence) to the front matter`).toBeTruthy();
  });

  it.each(pages)('%s: every file= fence names a file that exists and is left empty', (page) => {
    for (const {file, empty, line} of parsePage(page).imports) {
      expect(exists(file), `${page}:${line}: file=<rootDir>/${file} does not exist; fix the path`).toBe(true);
      expect(empty, `${page}:${line}: the fence importing ${file} must be empty: the build fills it from the file (never paste a copy)`).toBe(true);
    }
  });

  it.each(pages)('%s: relative links point at pages that exist', (page) => {
    const dir = page.split('/').slice(0, -1).join('/');
    for (const url of parsePage(page).links) {
      if (/^[a-z]+:/i.test(url) || url.startsWith('#') || url.startsWith('/')) continue;
      const target = new URL(url, `file:///${dir}/`).pathname.slice(1).replace(/#.*$/, '');
      expect(exists(decodeURIComponent(target)), `${page}: the link "${url}" points at ${target}, which does not exist`).toBe(true);
    }
  });
});

describe('docs/: chapters and labs link both ways', () => {
  const teaching = pages.filter(needsLab);

  it.each(teaching)('%s links its lab with <RunLab lab="…"> and shows run.sh and expected-output.txt from the files', (page) => {
    const {runLabs, imports} = parsePage(page);
    expect(runLabs.length, `${page}: add <RunLab lab="<topic>/<lab>" needs={[...]} /> for the lab this page teaches`).toBeGreaterThan(0);
    for (const lab of runLabs) {
      expect(labs, `${page}: <RunLab lab="${lab}"> names labs/${lab}, which is not a lab folder`).toContain(`labs/${lab}`);
      for (const file of ['run.sh', 'expected-output.txt']) {
        expect(
          imports.map((i) => i.file),
          `${page}: include labs/${lab}/${file} with an empty fence: \`\`\`${file.endsWith('.sh') ? 'bash' : 'text'} title="labs/${lab}/${file}" file=<rootDir>/labs/${lab}/${file}`,
        ).toContain(`labs/${lab}/${file}`);
      }
    }
  });

  it.each(teaching)('%s has the standard sections', (page) => {
    const headings: string[] = [];
    for (const node of parsePage(page).tree.children) {
      if (node.type === 'heading' && node.depth === 2) headings.push(node.children.map((c) => ('value' in c ? c.value : '')).join(''));
    }
    for (const section of SECTIONS) expect(headings, `${page}: add a "## ${section}" section (see CONTRIBUTING.md)`).toContain(section);
  });

  it.each(labs)('%s is shown by at least one chapter', (lab) => {
    const users = pages.filter((p) => parsePage(p).runLabs.includes(lab.replace(/^labs\//, '')));
    expect(users, `${lab}: no page has <RunLab lab="${lab.replace(/^labs\//, '')}">; link it from the chapter that teaches it`).not.toHaveLength(0);
  });
});

describe('src/data/parts.ts: the home page links each part that has pages', () => {
  // Docusaurus drops the number prefixes of folders and files from the address (no page sets slug:).
  const route = (page: string): string => `/docs/${page.replace(/^docs\//, '').replace(/\.mdx?$/, '').split('/').map((s) => s.replace(/^[0-9]+-/, '')).join('/')}`;
  // Named by the part's first page when it has one, so that the one-lab run of that page's lab selects it.
  const cases = parts.map((p) => ({part: p, first: pages.find((page) => page.startsWith(`docs/${p.folder}/`))}));
  it.each(cases.map((c) => [c.first ?? `docs/${c.part.folder}/ (no page yet)`, c] as const))('%s: its part is linked from the home page (start in src/data/parts.ts)', (_, {part, first}) => {
    if (!first) {
      expect(part.start, `src/data/parts.ts: ${part.folder} has no page under docs/${part.folder}/ yet: remove its start`).toBeUndefined();
      return;
    }
    expect(part.start, `src/data/parts.ts: set start: '${route(first)}' for ${part.folder} (its first page, ${first}); without it the home page says "being written"`).toBe(route(first));
  });
});
