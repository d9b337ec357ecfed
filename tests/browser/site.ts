// Serve a built site (build/) on loopback and drive Debian's Chromium against it.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import {chromium, type Browser} from 'playwright-core';
import {afterAll, beforeAll} from 'vitest';

export const root = path.resolve(__dirname, '../..');
/** build/, or CFS_BUILD_DIR (the page walk of walk.e2e.ts against another build, e.g. a deliberately broken one). */
export const buildDir = path.resolve(process.env.CFS_BUILD_DIR ?? path.join(root, 'build'));
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

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.xml', '.txt']);

/** The file build/ serves for a URL path, as GitHub Pages resolves it (dir/ → dir/index.html). */
export function buildFileFor(urlPath: string): string | undefined {
  const clean = decodeURIComponent(urlPath.split(/[?#]/)[0]!);
  const base = path.join(buildDir, path.normalize(clean).replace(/^(\.\.[/\\])+/, ''));
  for (const candidate of [base, path.join(base, 'index.html'), `${base}.html`]) {
    if (candidate.startsWith(buildDir) && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * build/ served by a tiny static server that gzips text as a CDN would (GitHub Pages does), so
 * that Lighthouse sees what a reader downloads. `docusaurus serve` sends everything uncompressed.
 */
export async function serveBuildCompressed(): Promise<Site> {
  if (!fs.existsSync(path.join(buildDir, 'index.html'))) throw new Error('build/ is missing: run `npm run build` first');
  const cache = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const file = buildFileFor(new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) {
      res.writeHead(404, {'content-type': CONTENT_TYPES['.html']!});
      res.end(fs.readFileSync(path.join(buildDir, '404.html')));
      return;
    }
    const ext = path.extname(file);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      // Hashed assets are immutable; pages revalidate (as on GitHub Pages, roughly).
      'cache-control': file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    let body: Buffer = fs.readFileSync(file);
    if (COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      let gz = cache.get(file);
      if (!gz) cache.set(file, (gz = zlib.gzipSync(body, {level: 9})));
      body = gz;
      headers['content-encoding'] = 'gzip';
      headers.vary = 'accept-encoding';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const gzipCache = new Map<string, number>();
/** Gzipped size in bytes of the build/ file behind a URL (0 when it is not a build/ file). */
export function gzippedSize(url: string): number {
  const file = buildFileFor(new URL(url).pathname);
  if (!file) return 0;
  let size = gzipCache.get(file);
  if (size === undefined) gzipCache.set(file, (size = zlib.gzipSync(fs.readFileSync(file), {level: 9}).length));
  return size;
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
