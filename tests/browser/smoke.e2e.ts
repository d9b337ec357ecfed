import {describe, expect, it} from 'vitest';
import type {Page} from 'playwright-core';
import {docRoutes, servedSite, walkTimeout} from './site';

const the = servedSite();
/** Routes with a diagram: drawn to SVG at build time (src/plugins/mermaid-svg), or by mermaid in the the.browser. */
const mermaidRoutes: string[] = [];


/** Open a route and collect what the console and the page report as errors. */
async function open(route: string): Promise<{page: Page; errors: string[]}> {
  const page = await the.browser.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  const response = await page.goto(the.site.url + route, {waitUntil: 'networkidle'});
  if (!response?.ok()) errors.push(`HTTP ${response?.status()} for ${route}`);
  return {page, errors};
}

describe('the built site in Chromium', () => {
  it('every page in the sitemap loads with no console errors', async () => {
    const routes = docRoutes();
    expect(routes.length, 'the sitemap lists no pages: did the build run?').toBeGreaterThan(5);
    const failures: string[] = [];
    for (const route of routes) {
      const {page, errors} = await open(route);
      failures.push(...errors.map((e) => `${route}: ${e}`));
      if ((await page.locator('figure.cfs-diagrams, .docusaurus-mermaid-container').count()) > 0) mermaidRoutes.push(route);
      await page.close();
    }
    expect(failures, 'fix these pages (open them with `npm run serve` and the browser console)').toEqual([]);
  }, walkTimeout());

  it('every diagram shows: its build-time SVG loads (or mermaid draws it without a syntax error)', async () => {
    expect(mermaidRoutes.length, 'no page showed a diagram (this test runs after the page walk)').toBeGreaterThan(0);
    const failures: string[] = [];
    for (const route of mermaidRoutes) {
      const {page} = await open(route);
      // Build-time diagrams: the image for the current colour mode is displayed and decoded.
      const images = page.locator('figure.cfs-diagrams img:visible');
      const shown = await images.count();
      for (let i = 0; i < shown; i++) {
        const img = images.nth(i);
        await img.scrollIntoViewIfNeeded();
        const ok = await img
          .evaluate((el: HTMLImageElement) => el.decode().then(() => el.naturalWidth > 0))
          .catch(() => false);
        if (!ok) failures.push(`${route}: diagram image ${i + 1} did not load`);
      }
      if ((await page.locator('figure.cfs-diagrams').count()) !== shown) failures.push(`${route}: a diagram shows no image in this colour mode`);
      // Diagrams mermaid draws in the browser (a fence the build-time plugin did not take).
      const containers = page.locator('.docusaurus-mermaid-container');
      const count = await containers.count();
      for (let i = 0; i < count; i++) {
        const svg = containers.nth(i).locator('svg').first();
        await svg.waitFor({timeout: 15_000}).catch(() => failures.push(`${route}: diagram ${i + 1} did not render`));
        const text = (await svg.textContent().catch(() => '')) ?? '';
        if (/syntax error/i.test(text)) failures.push(`${route}: diagram ${i + 1} has a mermaid syntax error`);
      }
      await page.close();
    }
    expect(failures, 'fix these diagrams (their sources are in diagrams/)').toEqual([]);
  }, walkTimeout());

  it('local search finds a chapter by a word from its body', async () => {
    // "subreaper" is in the body of the PID namespace chapter, not in any title.
    const {page} = await open('/');
    await page.locator('.navbar__search-input').fill('subreaper');
    const hit = page.locator('[role=listbox] [role=option]', {hasText: 'PID namespace'}).first();
    await hit.waitFor({timeout: 15_000});
    await hit.click();
    await page.waitForURL(/\/docs\/silos-isolation\/pid-namespace/, {timeout: 15_000});
    await page.close();
  });
});
