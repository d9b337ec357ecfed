// The per-part checklist (/progress): every chapter of each part, and the labs each chapter shows.
import fs from 'node:fs';
import path from 'node:path';
import {globSync} from 'tinyglobby';
import {parts} from '../data/parts';
import {readManifest} from './manifest';

export type ChecklistChapter = {id: string; title: string; path: string; labs: string[]};
export type ChecklistPart = {folder: string; title: string; chapters: ChecklistChapter[]};

/** Docusaurus's doc id of docs/<NN-part>/<NN-page>.mdx: the path without number prefixes. */
export function docIdOf(file: string): string {
  return file
    .replace(/^docs\//, '')
    .replace(/\.mdx?$/, '')
    .split('/')
    .map((s) => s.replace(/^\d+\s*[-_.]+\s*/, ''))
    .join('/');
}

/** The title in a page's front matter (plain or quoted), else the file's name. */
export function titleOf(source: string, file: string): string {
  const front = /^---\n([\s\S]*?)\n---/.exec(source)?.[1] ?? '';
  const raw = /^title:\s*(.+)$/m.exec(front)?.[1]?.trim();
  if (!raw) return docIdOf(file).split('/').pop() ?? file;
  if (raw.startsWith('"')) return JSON.parse(raw) as string;
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw;
}

/** Every part with pages, in reading order, from docs/ and the labs' manifests. */
export function buildChecklist(siteDir: string, docsRoute = '/docs/'): ChecklistPart[] {
  const labsOf = new Map<string, string[]>();
  for (const manifest of globSync(['labs/*/*/lab.manifest'], {cwd: siteDir}).sort()) {
    const lab = path.dirname(manifest).replace(/^labs\//, '');
    const chapter = readManifest(siteDir, lab).chapter[0];
    if (chapter) labsOf.set(chapter, [...(labsOf.get(chapter) ?? []), lab]);
  }
  return parts
    .map((part) => ({
      folder: part.folder,
      title: part.title,
      chapters: globSync([`docs/${part.folder}/*.{md,mdx}`, `!docs/${part.folder}/_*`], {cwd: siteDir})
        .sort()
        .map((file) => ({
          id: docIdOf(file),
          title: titleOf(fs.readFileSync(path.join(siteDir, file), 'utf8'), file),
          path: docsRoute + docIdOf(file),
          labs: labsOf.get(file) ?? [],
        })),
    }))
    .filter((part) => part.chapters.length > 0);
}
