import fs from 'node:fs';
import path from 'node:path';
import {visit} from 'unist-util-visit';
import type {Code, Root} from 'mdast';

/**
 * Pages walk through scripts/mini-container.sh region by region. A fence such as
 *
 *     ```bash title="scripts/mini-container.sh (pivot-root)" file=<rootDir>/scripts/mini-container.sh region=pivot-root
 *     ```
 *
 * is filled with the lines between `# region pivot-root` and `# endregion pivot-root` in that file
 * (the two marker lines excluded, and any marker of a nested region too; the common indentation
 * removed). The build fails, naming the page, the file and the region, when a region is missing,
 * repeated or unclosed, so that a page can never show code the script no longer has.
 * It runs before remark-code-import and takes `file=` and `region=` off the fence's meta, so that
 * remark-code-import leaves the fence alone.
 */

export type Options = {rootDir: string};

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MARKER = /^\s*#\s*(?:end)?region\s+\S+\s*$/;

/** The first line index of each marker line `# region NAME` / `# endregion NAME` in TEXT. */
export function findMarkers(text: string, name: string): {starts: number[]; ends: number[]} {
  const start = new RegExp(`^\\s*#\\s*region\\s+${escape(name)}\\s*$`);
  const end = new RegExp(`^\\s*#\\s*endregion\\s+${escape(name)}\\s*$`);
  const starts: number[] = [];
  const ends: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (start.test(line)) starts.push(i);
    if (end.test(line)) ends.push(i);
  });
  return {starts, ends};
}

/** Every region name defined in TEXT (by its `# region NAME` line), in order. */
export function regionNames(text: string): string[] {
  return [...text.matchAll(/^\s*#\s*region\s+(\S+)\s*$/gm)].map((m) => m[1] as string);
}

/** Remove the indentation common to every non-blank line. */
function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut));
}

/**
 * The lines of region NAME in TEXT. Throws a sentence naming WHERE (the file) when the region is
 * missing, defined more than once, or its end marker is missing or comes first.
 */
export function extractRegion(text: string, name: string, where: string): string {
  const {starts, ends} = findMarkers(text, name);
  const how = `(mark it with the lines "# region ${name}" and "# endregion ${name}")`;
  if (starts.length === 0) throw new Error(`region "${name}" is not in ${where} ${how}`);
  if (starts.length > 1) throw new Error(`region "${name}" is defined ${starts.length} times in ${where} (lines ${starts.map((s) => s + 1).join(', ')}): a region must be unique`);
  if (ends.length !== 1) throw new Error(`region "${name}" in ${where} has ${ends.length} "# endregion ${name}" lines: it needs exactly one ${how}`);
  const [from, to] = [starts[0] as number, ends[0] as number];
  if (to < from) throw new Error(`region "${name}" in ${where}: "# endregion ${name}" (line ${to + 1}) comes before "# region ${name}" (line ${from + 1})`);
  const body = text.split('\n').slice(from + 1, to).filter((l) => !MARKER.test(l));
  while (body.length && body[0]?.trim() === '') body.shift();
  while (body.length && body[body.length - 1]?.trim() === '') body.pop();
  if (body.length === 0) throw new Error(`region "${name}" in ${where} is empty`);
  return dedent(body).join('\n');
}

export default function codeRegion(options: Options) {
  const {rootDir} = options;
  if (!rootDir || !path.isAbsolute(rootDir)) throw new Error('code-region: "rootDir" must be an absolute path');
  return (tree: Root, file: {path?: string}) => {
    visit(tree, 'code', (node: Code) => {
      const metas = (node.meta ?? '').split(/(?<!\\) /);
      const region = metas.find((m) => m.startsWith('region='));
      if (!region) return;
      const page = file.path ? path.relative(rootDir, file.path) : 'a page';
      const line = node.position?.start.line ?? 0;
      const fileMeta = metas.find((m) => m.startsWith('file='));
      const fail = (why: string): never => {
        throw new Error(`${page}:${line}: ${why}`);
      };
      if (!fileMeta) fail(`a fence with ${region} needs file=<rootDir>/PATH too`);
      const rel = (fileMeta as string).slice('file='.length);
      if (!rel.startsWith('<rootDir>/') || /#L/.test(rel)) fail(`${fileMeta}: with region=, write file=<rootDir>/PATH (no line range)`);
      const target = rel.replace(/^<rootDir>\//, '');
      const abs = path.resolve(rootDir, target);
      if (path.relative(rootDir, abs).startsWith('..')) fail(`${fileMeta} lies outside the repository`);
      if (!fs.existsSync(abs)) fail(`${target} does not exist (named by ${fileMeta})`);
      if (node.value.trim() !== '') fail(`the fence of ${region} must be left empty: the build fills it from ${target}`);
      try {
        node.value = extractRegion(fs.readFileSync(abs, 'utf8'), region.slice('region='.length), target);
      } catch (e) {
        fail((e as Error).message);
      }
      // remark-code-import must not import the whole file over it.
      node.meta = metas.filter((m) => !m.startsWith('file=') && !m.startsWith('region=')).join(' ') || null;
    });
  };
}
