// Serve a built site (build/) on loopback and drive Debian's Chromium against it.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {chromium, type Browser} from 'playwright-core';
import {afterAll, beforeAll} from 'vitest';

export const root = path.resolve(__dirname, '../..');
export const buildDir = path.join(root, 'build');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export type Site = {url: string; stop: () => Promise<void>};

/** `docusaurus serve` on a free loopback port, once it answers. */
export async function serveBuild(): Promise<Site> {
  if (!fs.existsSync(path.join(buildDir, 'index.html'))) throw new Error('build/ is missing: run `npm run build` first');
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(root, 'node_modules/@docusaurus/core/bin/docusaurus.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--no-open'],
    {cwd: root, stdio: 'ignore'},
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return {url, stop: async () => void child.kill('SIGTERM')};
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`docusaurus serve did not answer on ${url} within 20 s`);
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (never "playwright install")`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * A timeout for a test that walks every page: about 2 s a page on a quiet 2-core machine, three
 * times that under load; 20 s a page is a hang, not a slow machine.
 */
export function walkTimeout(): number {
  const pages = fs.existsSync(path.join(buildDir, 'sitemap.xml')) ? docRoutes().length : 0;
  return 20_000 * Math.max(pages, 30);
}

/** Every route of the built docs, from the sitemap. */
export function docRoutes(): string[] {
  const sitemap = fs.readFileSync(path.join(buildDir, 'sitemap.xml'), 'utf8');
  return [...sitemap.matchAll(/<loc>https?:\/\/[^/]+(\/[^<]*)<\/loc>/g)].map((m) => m[1]!).sort();
}

/**
 * For a test file: build/ served on loopback and a Chromium, started before its tests and closed
 * after them. Read both from the returned object inside tests (they exist once beforeAll ran).
 */
export function servedSite(): {site: Site; browser: Browser} {
  const the = {} as {site: Site; browser: Browser};
  beforeAll(async () => {
    the.site = await serveBuild();
    the.browser = await launchChromium();
  });
  afterAll(async () => {
    await the.browser?.close();
    await the.site?.stop();
  });
  return the;
}
