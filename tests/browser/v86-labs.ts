// Helpers of the browser-labs test (run-in-browser.v86.ts) and scripts/v86/screenshot.ts.
import path from 'node:path';
import {globSync} from 'tinyglobby';
import {readManifest} from '../../src/lib/manifest';
import type {Page} from 'playwright-core';
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

/**
 * Types `/cfs/labs/<lab>/run.sh` into the guest's console of a page whose machine is ready, waits
 * (at most timeoutMs) for it to end, and returns its stdout and exit status. stderr (the narration)
 * goes nowhere; the markers are typed split so that the console's echo of the command line
 * cannot match them.
 */
export async function runLabInConsole(page: Page, lab: string, timeoutMs: number): Promise<{stdout: string; rc: number} | null> {
  await page.evaluate((l) => window.cfsRunInBrowser!.send(`echo CFS""BEGIN; /cfs/labs/${l}/run.sh 2>/dev/null; echo CFS""END rc=$?\n`), lab);
  await page.waitForFunction(() => /CFSEND rc=\d+/.test(window.cfsRunInBrowser!.text()), null, {timeout: timeoutMs});
  return stdoutBetweenMarkers(await page.evaluate(() => window.cfsRunInBrowser!.text()));
}
