// What the content tests read: the pages, labs and diagrams of the repository, parsed once.
import fs from 'node:fs';
import path from 'node:path';
import {globSync} from 'tinyglobby';
import yaml from 'js-yaml';
import {unified} from 'unified';
import remarkParse from 'remark-parse';
import remarkMdx from 'remark-mdx';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkDirective from 'remark-directive';
import {visit} from 'unist-util-visit';
import type {Code, Root, Link} from 'mdast';

export const root = path.resolve(__dirname, '../..');
export const rel = (p: string): string => path.relative(root, p);

/** Every page under docs/ (partials starting with _ excluded), relative to the repo root. */
export const pages: string[] = globSync(['docs/**/*.{md,mdx}', '!docs/**/_*'], {cwd: root}).sort();
/** Every lab folder: labs/<topic>/<lab> holding a run.sh or a README.md (the template excluded). */
export const labs: string[] = [
  ...new Set(
    globSync(['labs/*/*/{run.sh,README.md,cleanup.sh,expected-output.txt}', '!labs/_template/**'], {cwd: root}).map((f) =>
      path.dirname(f),
    ),
  ),
].sort();
/** Every mermaid source under diagrams/. */
export const diagrams: string[] = globSync(['diagrams/**/*.mmd'], {cwd: root}).sort();

/** Pages that teach a mechanism and so must link a lab (intro, summaries and the appendix need not). */
export function needsLab(page: string): boolean {
  return !/^docs\/(00-intro|99-appendix)\//.test(page) && !/summary\.mdx?$/.test(page);
}

export type ParsedPage = {
  tree: Root;
  frontMatter: Record<string, unknown>;
  /** Code fences with `file=<rootDir>/…`: the file and whether the fence was left empty. */
  imports: {file: string; empty: boolean; line: number}[];
  /** `<RunLab lab="…">` attributes, in order. */
  runLabs: string[];
  /** Targets of markdown links. */
  links: string[];
};

const processor = unified().use(remarkParse).use(remarkMdx).use(remarkFrontmatter).use(remarkGfm).use(remarkDirective);
const cache = new Map<string, ParsedPage>();

/** Parse a page as Docusaurus does (MDX + GFM + directives); throws with the position on a syntax error. */
export function parsePage(page: string): ParsedPage {
  const hit = cache.get(page);
  if (hit) return hit;
  const source = fs.readFileSync(path.join(root, page), 'utf8');
  const tree = processor.parse(source) as Root;
  let frontMatter: Record<string, unknown> = {};
  const imports: ParsedPage['imports'] = [];
  const runLabs: string[] = [];
  const links: string[] = [];
  visit(tree, (node) => {
    if (node.type === 'yaml') frontMatter = (yaml.load((node as {value: string}).value) ?? {}) as Record<string, unknown>;
    if (node.type === 'code') {
      const code = node as Code;
      const meta = (code.meta ?? '').split(/(?<!\\) /).find((m) => m.startsWith('file='));
      if (meta) {
        const file = meta.replace(/^file=<rootDir>\//, '').replace(/#L.*$/, '');
        imports.push({file, empty: code.value.trim() === '', line: code.position?.start.line ?? 0});
      }
    }
    if (node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') {
      const el = node as {name: string | null; attributes: {type: string; name?: string; value?: unknown}[]};
      if (el.name === 'RunLab') {
        const lab = el.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === 'lab')?.value;
        if (typeof lab === 'string') runLabs.push(lab);
      }
    }
    if (node.type === 'link') links.push((node as Link).url);
  });
  const parsed = {tree, frontMatter, imports, runLabs, links};
  cache.set(page, parsed);
  return parsed;
}

export const exists = (p: string): boolean => fs.existsSync(path.join(root, p));
export const read = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');
