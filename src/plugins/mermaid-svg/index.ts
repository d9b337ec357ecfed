import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {Code, Parent, Root} from 'mdast';
import {visit} from 'unist-util-visit';
import {chromium, type Browser, type Page} from 'playwright-core';

/**
 * Diagrams are drawn when the site is built, not in the reader's browser: mermaid's code is
 * ~190 KB of gzipped JS that every page with a diagram would otherwise download and run
 * (issue 14's budget is 200 KB per page for everything). This remark plugin runs after
 * remark-code-import has filled each ```mermaid file=<rootDir>/diagrams/… fence and before
 * Docusaurus turns mermaid fences into client-side diagrams: it renders the diagram twice with
 * mermaid in headless Chromium (the themes the site used at runtime: neutral for light mode,
 * dark for dark mode), writes both SVGs to a cache folder, and puts two Markdown images in place
 * of the fence. Docusaurus emits them as hashed assets; CSS shows the one for the colour mode.
 * The SVGs use SVG text (no HTML labels), so they draw the same as <img>.
 */

const CACHE_DIR = path.resolve(__dirname, '../../../node_modules/.cache/cfs-diagrams');
const THEMES = {light: 'neutral', dark: 'dark'} as const;
type Mode = keyof typeof THEMES;

function mermaidDist(): {file: string; version: string} {
  const pkg = require.resolve('mermaid/package.json');
  const {version} = JSON.parse(fs.readFileSync(pkg, 'utf8')) as {version: string};
  return {file: path.join(path.dirname(pkg), 'dist/mermaid.min.js'), version};
}

/** Debian's chromium, or the Chrome preinstalled on GitHub's Ubuntu runners (CHROMIUM_PATH wins). */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/chromium-browser'];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

function chromiumPath(): string {
  const found = findChromium();
  if (!found) throw new Error('mermaid-svg: no Chromium to draw diagrams with: apt-get install chromium, or set CHROMIUM_PATH');
  return found;
}

/**
 * Without Chromium, `npm start` (a development server, NODE_ENV=development) leaves the fences to
 * the mermaid theme, which draws them in the browser: a reader's first command needs no browser
 * package. A production build (CI, deploys) must draw them, and fails without Chromium.
 * docusaurus.config.ts asks this too: the mermaid theme (mermaid's code, and its client code in
 * main.js on every page) is in the site only when the diagrams are left to the browser.
 */
let warned = false;
export function drawsAtBuild(): boolean {
  if (findChromium() || process.env.NODE_ENV === 'production') return true;
  if (!warned) {
    warned = true;
    console.warn('[mermaid-svg] no Chromium (apt-get install chromium, or set CHROMIUM_PATH): diagrams are drawn in the browser by mermaid in this development server');
  }
  return false;
}

let session: Promise<{browser: Browser; page: Page}> | undefined;
let queue: Promise<unknown> = Promise.resolve();
let idle: NodeJS.Timeout | undefined;

async function openSession(): Promise<{browser: Browser; page: Page}> {
  const browser = await chromium.launch({executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']});
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
  await page.addScriptTag({path: mermaidDist().file});
  return {browser, page};
}

/** Close the browser once no diagram has been asked for in a while (the build then exits cleanly). */
function scheduleClose(): void {
  if (idle) clearTimeout(idle);
  idle = setTimeout(() => {
    const s = session;
    session = undefined;
    void s?.then(({browser}) => browser.close()).catch(() => undefined);
  }, 3000);
  idle.unref();
}

async function draw(text: string, mode: Mode, id: string): Promise<string> {
  if (idle) clearTimeout(idle);
  session ??= openSession();
  const {page} = await session;
  try {
    return await page.evaluate(
      async ({text, theme, id}) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const mermaid = (window as any).mermaid;
        mermaid.initialize({startOnLoad: false, securityLevel: 'strict', theme, flowchart: {htmlLabels: false}, htmlLabels: false});
        const {svg} = (await mermaid.render(id, text)) as {svg: string};
        const holder = document.createElement('div');
        holder.innerHTML = svg;
        const el = holder.querySelector('svg')!;
        // A fixed size from the viewBox, so that <img> knows its natural size; CSS caps the width.
        const [, , w, h] = (el.getAttribute('viewBox') ?? '0 0 0 0').split(/\s+/).map(Number);
        el.setAttribute('width', String(Math.ceil(w ?? 0)));
        el.setAttribute('height', String(Math.ceil(h ?? 0)));
        el.style.removeProperty('max-width');
        return new XMLSerializer().serializeToString(el);
      },
      {text, theme: THEMES[mode], id},
    );
  } finally {
    scheduleClose();
  }
}

/**
 * The cached SVG file for a diagram in a colour mode, drawn once per build. A diagram on several
 * pages is asked for by each page, and by the client and the server compilation at the same time:
 * they share one drawing (mermaid's output is not byte-for-byte the same from one drawing to the
 * next, and a file rewritten between the two compilations' reads made one page's HTML name an
 * asset hash that the client build never emitted: a 404 for that diagram).
 */
const drawing = new Map<string, Promise<string>>();
function svgFile(text: string, mode: Mode): Promise<string> {
  const hash = crypto.createHash('sha256').update(`${mermaidDist().version}\0${THEMES[mode]}\0v1\0${text}`).digest('hex').slice(0, 16);
  const file = path.join(CACHE_DIR, `${hash}-${mode}.svg`);
  let done = drawing.get(file);
  if (!done) {
    done = drawOnce(text, mode, hash, file);
    drawing.set(file, done);
  }
  return done;
}

async function drawOnce(text: string, mode: Mode, hash: string, file: string): Promise<string> {
  if (fs.existsSync(file)) return file;
  // mermaid is one global object: draw one diagram at a time.
  const svg = (await (queue = queue.then(
    () => draw(text, mode, `cfs-d${hash}`),
    () => draw(text, mode, `cfs-d${hash}`),
  ))) as string;
  fs.mkdirSync(CACHE_DIR, {recursive: true});
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, svg);
  fs.renameSync(tmp, file);
  return file;
}

/** What a reader who cannot see the picture is told: accTitle/accDescr if the diagram has them. */
function altText(text: string, source: string | undefined): string {
  const title = /^\s*accTitle\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
  const descr = /^\s*accDescr\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (title || descr) return [title, descr].filter(Boolean).join(': ');
  const name = source ? path.basename(source, '.mmd').replace(/-/g, ' ') : 'diagram';
  return `Diagram: ${name}`;
}

export default function mermaidSvg() {
  return async (tree: Root, vfile: {path?: string}) => {
    if (!drawsAtBuild()) return;
    const fences: {node: Code; index: number; parent: Parent}[] = [];
    visit(tree, 'code', (node: Code, index, parent) => {
      if (node.lang === 'mermaid' && parent && index !== undefined) fences.push({node, index, parent: parent as Parent});
    });
    // Replace from the last one so that earlier indexes stay valid.
    for (const {node, index, parent} of fences.reverse()) {
      const source = /file=(\S+)/.exec(node.meta ?? '')?.[1];
      const alt = altText(node.value, source);
      const images = [];
      for (const mode of ['light', 'dark'] as const) {
        const file = await svgFile(node.value, mode);
        const rel = path.relative(path.dirname(vfile.path ?? '.'), file).split(path.sep).join('/');
        images.push({
          type: 'mdxJsxFlowElement',
          name: 'div',
          attributes: [{type: 'mdxJsxAttribute', name: 'className', value: `cfs-diagram cfs-diagram--${mode}`}],
          children: [{type: 'paragraph', children: [{type: 'image', url: rel.startsWith('.') ? rel : `./${rel}`, alt}]}],
        });
      }
      parent.children.splice(index, 1, {
        type: 'mdxJsxFlowElement',
        name: 'figure',
        attributes: [{type: 'mdxJsxAttribute', name: 'className', value: 'cfs-diagrams'}],
        children: images,
      } as never);
    }
  };
}
