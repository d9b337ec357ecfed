import {describe, expect, it, vi} from 'vitest';
import {diagrams, pages, parsePage, read} from './repo';

// The parser is all the syntax check needs; DOMPurify (used to render) needs a browser window.
// vitest.config.mts runs mermaid through vite so that this stand-in reaches it.
vi.mock('dompurify', () => ({
  default: {addHook: () => {}, removeHook: () => {}, removeHooks: () => {}, sanitize: (s: string) => s, isSupported: true},
}));

describe('diagrams/', () => {
  it.each(diagrams)('%s is shown by a page', (diagram) => {
    const users = pages.filter((p) => parsePage(p).imports.some((i) => i.file === diagram));
    expect(users, `${diagram} is not used: show it with \`\`\`mermaid file=<rootDir>/${diagram} in a page, or delete it`).not.toHaveLength(0);
  });

  it.each(diagrams)('%s starts with a mermaid diagram type', (diagram) => {
    const first = read(diagram).split('\n').find((l) => l.trim() && !l.trim().startsWith('%%')) ?? '';
    expect(first, `${diagram}: the first line must declare the diagram (flowchart, sequenceDiagram, …)`).toMatch(
      /^(flowchart|graph|sequenceDiagram|classDiagram|stateDiagram(-v2)?|erDiagram|gantt|pie|mindmap|timeline|block-beta|packet-beta)\b/,
    );
  });

  it.each(diagrams)('%s parses with mermaid (a syntax error shows only in the browser console)', async (diagram) => {
    const {default: mermaid} = await import('mermaid');
    // e.g. a ';' in a sequence diagram's note ends the statement: "Parse error on line 13".
    await expect(mermaid.parse(read(diagram)), diagram).resolves.toBeTruthy();
  });

  it.each(pages)('%s: mermaid fences take their source from diagrams/', (page) => {
    for (const {file, line} of parsePage(page).imports) {
      if (file.endsWith('.mmd')) expect(file, `${page}:${line}`).toMatch(/^diagrams\//);
    }
  });
});
