// Every http(s) URL a page cites is in docs/links.json with a check on record, and the list holds
// nothing no page cites. Offline: the list says when and how each URL was checked (src/lib/links.ts).
import {describe, expect, it} from 'vitest';
import {citedUrls, entryProblem, LINKS_FILE, readLinks, urlsIn} from '../../src/lib/links';
import {root} from './repo';

const cited = citedUrls(root);
const links = readLinks(root);

describe(`${LINKS_FILE}: the stored list of checked links`, () => {
  it('pages cite URLs at all, and the list exists', () => {
    expect(cited.size).toBeGreaterThan(0);
    expect(Object.keys(links).length, `${LINKS_FILE} is missing or empty: run npm run links:sync`).toBeGreaterThan(0);
  });

  it('every cited URL is in the list', () => {
    const missing = [...cited].filter(([url]) => !links[url]).map(([url, pages]) => `  ${url} (${pages.join(', ')})`);
    expect(
      missing,
      `URLs cited by pages but missing from ${LINKS_FILE}: run npm run links:sync, then check each new entry ` +
        `(npm run links:check -- URL when online, or by hand: see CONTRIBUTING.md)\n${missing.join('\n')}`,
    ).toEqual([]);
  });

  it('every listed URL is cited by a page', () => {
    const stale = Object.keys(links).filter((url) => !cited.has(url));
    expect(stale, `URLs in ${LINKS_FILE} that no page cites: run npm run links:sync to drop them`).toEqual([]);
  });

  it('every entry is checked: a date and a method, or unchecked with a reason', () => {
    const bad = Object.entries(links)
      .map(([url, entry]) => [url, entryProblem(entry)] as const)
      .filter(([, problem]) => problem !== null)
      .map(([url, problem]) => `  ${url}: ${problem}`);
    expect(bad, `entries of ${LINKS_FILE} without a check on record (see CONTRIBUTING.md, "Links")\n${bad.join('\n')}`).toEqual([]);
  });
});

describe('urlsIn', () => {
  it('takes URLs out of prose, lists and markdown links without trailing punctuation', () => {
    expect(urlsIn('see https://a.example/x.html. And [b](https://b.example/y#z), <https://c.example/>')).toEqual([
      'https://a.example/x.html',
      'https://b.example/y#z',
      'https://c.example/',
    ]);
  });
});
