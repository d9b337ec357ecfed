import {describe, expect, it} from 'vitest';
import {diagrams, pages, parsePage, read} from './repo';

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

  it.each(pages)('%s: mermaid fences take their source from diagrams/', (page) => {
    for (const {file, line} of parsePage(page).imports) {
      if (file.endsWith('.mmd')) expect(file, `${page}:${line}`).toMatch(/^diagrams\//);
    }
  });
});
