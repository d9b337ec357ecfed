// The third verified environment: each lab whose lab.manifest says "verify: … browser" runs in the
// v86 guest in Chromium, from the served production build, and its stdout must equal its
// expected-output.txt. Results go to test-results/labs/browser.tsv and browser.facts (like the host
// and VM harnesses), figures to test-results/labs/browser-figures.json;
// `scripts/promote-verified.sh browser` turns a full green run into labs/verified-on.json entries.
// Needs: sudo scripts/v86/build.sh, then npm run build. Run: scripts/test-all.sh browser-labs.
import fs from 'node:fs';
import path from 'node:path';
import {globSync} from 'tinyglobby';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readManifest} from '../../src/lib/manifest';
import {buildDir, launchChromium, root, serveBuild, type Site} from './site';
import type {Browser} from 'playwright-core';

const LAB_LIMIT_S = 90;
const PROMPT_LIMIT_MS = 3000;
const results = path.join(root, 'test-results', 'labs');

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

const labs = browserLabs();
const built = path.join(root, 'static', 'v86', 'manifest.json');
const shipped = path.join(buildDir, 'v86', 'state.bin.zst');
const rows: string[] = [];
const figures: Record<string, unknown> = {};
let site: Site;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(built)) throw new Error('the v86 files are not built: run `sudo scripts/v86/build.sh`, then `npm run build`');
  if (!fs.existsSync(shipped)) throw new Error('build/v86/ is missing: run `npm run build` after `sudo scripts/v86/build.sh`');
  site = await serveBuild();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.stop();
  fs.mkdirSync(results, {recursive: true});
  fs.writeFileSync(path.join(results, 'browser.tsv'), rows.join(''));
  const info = JSON.parse(fs.readFileSync(built, 'utf8')) as {kernel: string; v86: string};
  fs.writeFileSync(path.join(results, 'browser.facts'), `kernel=${info.kernel}\ncgroup=v2\nv86=${info.v86}\n`);
  fs.writeFileSync(path.join(results, 'browser-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

describe('labs run in the browser (v86)', () => {
  it('has browser-capable labs', () => {
    expect(labs.length).toBeGreaterThan(0);
  });

  it.each(labs)('%s: click → prompt, then run.sh prints its expected output', async (lab) => {
    const chapter = readManifest(root, lab).chapter[0]!;
    const expected = fs.readFileSync(path.join(root, 'labs', lab, 'expected-output.txt'), 'utf8');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const t0 = Date.now();
    let result = 'fail';
    try {
      await page.goto(`${site.url}${routeOf(chapter)}?cfs-test`, {waitUntil: 'networkidle'});
      const requestsBefore = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/v86/')).length);
      expect(requestsBefore, 'the page fetched v86 files before the click').toBe(0);
      await page.locator(`[data-run-in-browser="${lab}"] button`, {hasText: 'Run in your browser'}).click();
      await page.waitForFunction(() => window.cfsRunInBrowser?.ready === true, null, {timeout: 60_000});
      const probe = await page.evaluate(() => ({ms: window.cfsRunInBrowser!.clickToPromptMs, bytes: window.cfsRunInBrowser!.bytesBeforePrompt}));
      const start = Date.now();
      // stdout only: stderr (the narration) goes nowhere; the markers are typed split so that the
      // console's echo of the command line cannot match them.
      await page.evaluate((l) => window.cfsRunInBrowser!.send(`echo CFS""BEGIN; /cfs/labs/${l}/run.sh 2>/dev/null; echo CFS""END rc=$?\n`), lab);
      await page.waitForFunction(() => /CFSEND rc=\d+/.test(window.cfsRunInBrowser!.text()), null, {timeout: LAB_LIMIT_S * 1000});
      const seconds = (Date.now() - start) / 1000;
      const out = stdoutBetweenMarkers(await page.evaluate(() => window.cfsRunInBrowser!.text()));
      figures[lab] = {clickToPromptMs: probe.ms, bytesBeforePrompt: probe.bytes, runSeconds: Number(seconds.toFixed(1))};
      expect(out, 'no output between the markers').not.toBeNull();
      expect(out!.rc, `run.sh exited ${out!.rc}`).toBe(0);
      expect(out!.stdout).toBe(expected);
      expect(seconds, `run.sh took ${seconds} s in the browser (limit ${LAB_LIMIT_S} s)`).toBeLessThanOrEqual(LAB_LIMIT_S);
      expect(probe.ms, `click to prompt took ${probe.ms} ms (budget ${PROMPT_LIMIT_MS} ms)`).toBeLessThanOrEqual(PROMPT_LIMIT_MS);
      expect(errors).toEqual([]);
      result = 'pass';
    } finally {
      rows.push(`labs/${lab}\toutput\t${result}\t${((Date.now() - t0) / 1000).toFixed(1)}\n`);
      if (result === 'fail') {
        const text = await page.evaluate(() => window.cfsRunInBrowser?.text() ?? '').catch(() => '');
        fs.mkdirSync(results, {recursive: true});
        fs.writeFileSync(path.join(results, `browser-${lab.replace('/', '.')}.console.txt`), text);
      }
      await page.close();
    }
  });
});
