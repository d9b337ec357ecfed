// screenshot.ts: a PNG of a lab run in the browser terminal, for notes and the docs.
//   tsx scripts/v86/screenshot.ts silos/pid-ns OUT.png      (after build.sh and npm run build)
// (tests/browser/site.ts imports vitest, which cannot load outside a test run: hence its own
// server and browser here.)
import {spawn} from 'node:child_process';
import path from 'node:path';
import {chromium} from 'playwright-core';
import {readManifest} from '../../src/lib/manifest';

const root = path.resolve(__dirname, '../..');
const routeOf = (chapter: string) => `/${chapter.replace(/\.mdx?$/, '').split('/').map((p) => p.replace(/^\d+-/, '')).join('/')}`;

async function main(): Promise<void> {
  const [lab = 'silos/pid-ns', out = 'run-in-browser.png'] = process.argv.slice(2);
  const port = 3900 + Math.floor(Math.random() * 90);
  const server = spawn(process.execPath, [path.join(root, 'node_modules/@docusaurus/core/bin/docusaurus.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--no-open'], {cwd: root, stdio: 'ignore'});
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launch({executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu']});
  try {
    const page = await browser.newPage({viewport: {width: 1100, height: 1400}});
    await page.goto(`${url}${routeOf(readManifest(root, lab).chapter[0]!)}`, {waitUntil: 'networkidle'});
    const box = page.locator(`[data-run-in-browser="${lab}"]`);
    await box.locator('button', {hasText: 'Run in your browser'}).click();
    await page.waitForFunction(() => (window as {cfsRunInBrowser?: {ready: boolean}}).cfsRunInBrowser?.ready === true, null, {timeout: 60_000});
    // The lab has run when the prompt is back after its output.
    await page.waitForFunction(
      () => /run\.sh[\s\S]*root@cfs-browser:[^\n]*# $/.test((window as {cfsRunInBrowser?: {text: () => string}}).cfsRunInBrowser!.text()),
      null,
      {timeout: 120_000},
    );
    await page.waitForTimeout(500);
    await box.scrollIntoViewIfNeeded();
    await box.screenshot({path: out});
    console.error(`wrote ${out}`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
}

void main();
