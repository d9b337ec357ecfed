// Helpers of the browser-labs test (run-in-browser.v86.ts) and scripts/v86/screenshot.ts.
import path from 'node:path';
import {globSync} from 'tinyglobby';
import {readManifest} from '../../src/lib/manifest';
import {root} from './site';

/** labs/<topic>/<lab> folders whose manifest lists browser under verify:, like lab::dirs_verified_in. */
export function browserLabs(): string[] {
  return globSync(['labs/*/*/lab.manifest', '!labs/_template/**'], {cwd: root})
    .map((f) => path.dirname(f).replace(/^labs\//, ''))
    .filter((lab) => readManifest(root, lab).verify.includes('browser'))
    .sort();
}

/** The route of a docs file: Docusaurus drops the NN- number prefixes (these pages set no slug). */
export function routeOf(chapter: string): string {
  return `/${chapter
    .replace(/\.mdx?$/, '')
    .split('/')
    .map((p) => p.replace(/^\d+-/, ''))
    .join('/')}`;
}

/** The lab's stdout between the markers, without the console's carriage returns. */
export function stdoutBetweenMarkers(console: string): {stdout: string; rc: number} | null {
  const m = /CFSBEGIN\r?\n([\s\S]*?)CFSEND rc=(\d+)/.exec(console);
  return m ? {stdout: m[1]!.replace(/\r/g, ''), rc: Number(m[2])} : null;
}
