import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Browser, Page} from 'playwright-core';
import {docRoutes, launchChromium, serveBuild, type Site} from './site';

let site: Site;
let browser: Browser;
/** Routes where a mermaid container was seen (mermaid renders in the browser, not in the HTML). */
const mermaidRoutes: string[] = [];

beforeAll(async () => {
  site = await serveBuild();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

/** Open a route and collect what the console and the page report as errors. */
async function open(route: string): Promise<{page: Page; errors: string[]}> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  const response = await page.goto(site.url + route, {waitUntil: 'networkidle'});
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
      if ((await page.locator('.docusaurus-mermaid-container').count()) > 0) mermaidRoutes.push(route);
      await page.close();
    }
    expect(failures, 'fix these pages (open them with `npm run serve` and the browser console)').toEqual([]);
  });

  it('a mermaid diagram renders to SVG', async () => {
    const route = mermaidRoutes[0];
    expect(route, 'no page showed a mermaid diagram (this test runs after the page walk)').toBeDefined();
    const {page} = await open(route!);
    const svg = page.locator('.docusaurus-mermaid-container svg').first();
    await svg.waitFor({timeout: 15_000});
    expect(await svg.locator('g').count(), `${route}: the mermaid SVG is empty`).toBeGreaterThan(0);
    await page.close();
  });

  it('local search finds a chapter by a word from its body', async () => {
    // "NSpid" appears only in the body of the PID namespace chapter (not in its title).
    const {page} = await open('/');
    await page.locator('.navbar__search-input').fill('NSpid');
    const hit = page.locator('a[href*="/docs/silos-isolation/pid-namespace"]').first();
    await hit.waitFor({timeout: 15_000});
    expect(await hit.count()).toBe(1);
    await page.close();
  });
});
