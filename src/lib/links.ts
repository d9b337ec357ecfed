// The stored list of checked links (docs/links.json) and the URLs the pages cite.
//
// Every http(s) URL in docs/**/*.mdx must have an entry in docs/links.json saying when it was
// checked and how: "index:<owner/repo>:<path>" (the source file behind the page was found in an
// index of public repositories), "search:<corpus>" (a search of stored pages returned that
// address) or "http <status>" (scripts/links.ts check fetched it). An entry that could not be
// confirmed says status "unchecked" and why. tests/content/links.test.ts holds the list and the
// pages to each other offline; `npm run links:sync` adds and drops entries, `npm run links:check`
// re-checks them online.
import fs from 'node:fs';
import path from 'node:path';
import {globSync} from 'tinyglobby';

export const LINKS_FILE = 'docs/links.json';

export type LinkStatus = 'ok' | 'unchecked' | 'new';

export type LinkEntry = {
  /** ok: confirmed by `method`; unchecked: could not be confirmed (see reason); new: not looked at yet. */
  status: LinkStatus;
  /** YYYY-MM-DD of the last check (empty for new entries). */
  checked: string;
  /** How it was checked: index:<repo>:<path>, search:<corpus>, http <status>; empty for new entries. */
  method: string;
  /** Why an entry is unchecked, or a note on how the check maps to the URL. */
  note?: string;
};

export type LinkList = Record<string, LinkEntry>;

/** http(s) URLs in a page's text; trailing sentence punctuation is not part of them. */
export function urlsIn(text: string): string[] {
  const found = text.match(/https?:\/\/[^\][\s)>"'`<]+/g) ?? [];
  return found.map((u) => u.replace(/[.,;:!?]+$/, ''));
}

/** Every cited URL and the pages (relative to root) citing it, sorted by URL. */
export function citedUrls(root: string): Map<string, string[]> {
  const pages = globSync(['docs/**/*.mdx', 'docs/**/*.md'], {cwd: root}).sort();
  const cited = new Map<string, string[]>();
  for (const page of pages) {
    for (const url of urlsIn(fs.readFileSync(path.join(root, page), 'utf8'))) {
      const list = cited.get(url) ?? [];
      if (!list.includes(page)) list.push(page);
      cited.set(url, list);
    }
  }
  return new Map([...cited.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export function readLinks(root: string): LinkList {
  const file = path.join(root, LINKS_FILE);
  if (!fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LinkList;
}

/** Written sorted by URL, two-space indent, final newline: diffs stay small. */
export function writeLinks(root: string, links: LinkList): void {
  const sorted: LinkList = {};
  for (const url of Object.keys(links).sort((a, b) => a.localeCompare(b))) sorted[url] = links[url]!;
  fs.writeFileSync(path.join(root, LINKS_FILE), `${JSON.stringify(sorted, null, 2)}\n`);
}

/** What is wrong with one entry, or null. */
export function entryProblem(entry: LinkEntry | undefined): string | null {
  if (!entry) return 'no entry';
  if (entry.status === 'new') return 'never checked (status "new")';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(entry.checked ?? '')) return 'no "checked" date (YYYY-MM-DD)';
  if (entry.status === 'ok') {
    if (!/^(index:[^:]+\/[^:]+:.+|search:(docs|pages|code|issues)|http 2\d\d)$/.test(entry.method ?? ''))
      return `status "ok" needs method "index:<owner/repo>:<path>", "search:<corpus>" or "http 2xx", not "${entry.method}"`;
    return null;
  }
  if (entry.status === 'unchecked') return entry.note?.trim() ? null : 'status "unchecked" needs a "note" saying why';
  return `unknown status "${String(entry.status)}"`;
}

/** Add cited URLs missing from the list (status new), drop URLs no page cites. Returns what changed. */
export function syncLinks(links: LinkList, cited: Map<string, string[]>): {added: string[]; dropped: string[]} {
  const added: string[] = [];
  const dropped: string[] = [];
  for (const url of cited.keys()) {
    if (!links[url]) {
      links[url] = {status: 'new', checked: '', method: ''};
      added.push(url);
    }
  }
  for (const url of Object.keys(links)) {
    if (!cited.has(url)) {
      delete links[url];
      dropped.push(url);
    }
  }
  return {added, dropped};
}
