// Self-checks, copy buttons and folded outputs, in Chromium against the built site.
import {describe, expect, it} from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {root, servedSite} from './site';

const the = servedSite();

describe('reader aids in Chromium', () => {
  it('a self-check hides its answers until the reader opens one', async () => {
    const page = await the.browser.newPage();
    await page.goto(`${the.site.url}/docs/silos-isolation/pid-namespace`, {waitUntil: 'networkidle'});
    const check = page.getByRole('region', {name: 'Check yourself'});
    const questions = check.locator('li');
    expect(await questions.count()).toBeGreaterThanOrEqual(3);
    const answer = questions.first().locator('details > div');
    expect(await answer.isVisible()).toBe(false);
    await questions.first().getByText('Show the answer').click();
    expect(await answer.isVisible()).toBe(true);
    expect(await answer.textContent()).toContain('PID 1');
    expect(await questions.nth(1).locator('details > div').isVisible(), 'opening one answer opened another').toBe(false);
    await page.close();
  });

  it("a console block's copy button copies the commands, without prompts or output", async () => {
    const context = await the.browser.newContext({permissions: ['clipboard-read', 'clipboard-write']});
    const page = await context.newPage();
    await page.goto(`${the.site.url}/docs/intro/prerequisites`, {waitUntil: 'networkidle'});
    const block = page.locator('.theme-code-block', {hasText: '$ uname -r'}).first();
    await block.hover();
    await block.getByRole('button', {name: 'Copy code to clipboard'}).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('uname -r\nstat -fc %T /sys/fs/cgroup');
    // A bash block is copied as it is.
    const bash = page.locator('.theme-code-block.language-bash').first();
    // What the page's source has in its first bash fence.
    const source = fs.readFileSync(path.join(root, 'docs/00-intro/03-prerequisites.mdx'), 'utf8');
    const text = /^```bash[^\n]*\n([\s\S]*?)\n```$/m.exec(source)?.[1] ?? 'no bash fence in the source';
    await bash.hover();
    await bash.getByRole('button', {name: 'Copy code to clipboard'}).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(text);
    await context.close();
  });

  it('a long expected output is folded, and opens and closes from the keyboard', async () => {
    const page = await the.browser.newPage();
    await page.goto(`${the.site.url}/docs/observability-labs/procfs`, {waitUntil: 'networkidle'});
    const fold = page.locator('details.cfs-output-fold').first();
    const summary = fold.locator('summary');
    expect(await summary.textContent()).toMatch(/^Expected output of observability\/procfs: \d+ lines \(show\)$/);
    const block = fold.locator('.theme-code-block');
    expect(await block.isVisible(), 'the output shows before the reader opens it').toBe(false);
    // Keyboard only: Tab reaches the summary (a native one), Enter opens it, Enter again closes it.
    // Focus what comes before the summary in the tab order, then Tab once.
    await summary.evaluate((el) => {
      const focusable = Array.from(document.querySelectorAll<HTMLElement>('a[href], button, summary, input, select, [tabindex]:not([tabindex="-1"])')).filter(
        (e) => e.getClientRects().length > 0,
      );
      focusable[focusable.indexOf(el as HTMLElement) - 1]?.focus();
    });
    await page.keyboard.press('Tab');
    expect(await summary.evaluate((el) => el === document.activeElement), 'Tab did not reach the summary').toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => block.isVisible()).toBe(true);
    expect(await block.textContent()).toContain('labs/observability/procfs/expected-output.txt');
    await page.keyboard.press('Enter');
    await expect.poll(() => block.isVisible()).toBe(false);
    // A short output stays open.
    await page.goto(`${the.site.url}/docs/silos-isolation/pid-namespace`, {waitUntil: 'networkidle'});
    expect(await page.locator('details.cfs-output-fold').count()).toBe(0);
    expect(await page.locator('.theme-code-block', {hasText: 'labs/silos/pid-ns/expected-output.txt'}).first().isVisible()).toBe(true);
    await page.close();
  });

  // src/theme/CodeBlock/Content and src/lib/prism-css.ts (issue 14): a code block keeps the
  // server's lines while the page hydrates, its token colours come from the stylesheet of the
  // colour mode, and a page reached by a client-side link renders its own.
  it('code blocks keep the server markup on load, take their colours from the mode, and render after client-side navigation', async () => {
    const page = await the.browser.newPage();
    await page.addInitScript(() => {
      // Every token element the server sent, marked before React hydrates.
      document.addEventListener('DOMContentLoaded', () => document.querySelectorAll('.prism-code .token').forEach((t) => t.setAttribute('data-from-server', '')));
    });
    await page.goto(`${the.site.url}/docs/silos-isolation/pid-namespace`, {waitUntil: 'networkidle'});
    const tokens = () =>
      page.evaluate(() => {
        const all = Array.from(document.querySelectorAll('.prism-code .token'));
        const fn = document.querySelector('.prism-code .token.function')!;
        // React's props of the block's <code>: dangerouslySetInnerHTML while it keeps the server's lines.
        const code = document.querySelector('.prism-code code') as unknown as Record<string, {dangerouslySetInnerHTML?: unknown} | undefined>;
        const props = code[Object.keys(code).find((k) => k.startsWith('__reactProps$')) ?? ''];
        return {
          count: all.length,
          fromServer: all.filter((t) => t.hasAttribute('data-from-server')).length,
          fn: getComputedStyle(fn).color,
          path: location.pathname,
          kept: props?.dangerouslySetInnerHTML !== undefined,
        };
      });
    const loaded = await tokens();
    expect(loaded.count).toBeGreaterThan(500);
    expect(loaded.fromServer, 'hydration replaced token elements').toBe(loaded.count);
    expect(loaded.kept, 'React rendered the lines of a block the server had rendered').toBe(true);
    // A colour-mode switch changes the tokens' colours without a re-render.
    // The button cycles through the modes (light, dark, the system's): click until dark.
    const toggle = page.locator('.navbar button[aria-label^="Switch between dark and light mode"]').first();
    for (let i = 0; i < 3 && (await page.evaluate(() => document.documentElement.dataset.theme)) !== 'dark'; i++) await toggle.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const switched = await tokens();
    expect(switched.fn).not.toBe(loaded.fn);
    expect(switched.fromServer).toBe(loaded.count);
    // The chunks of visible links are still prefetched (src/plugins/idle-prefetch: at idle time).
    await expect.poll(() => page.locator('head link[rel=prefetch]').count()).toBeGreaterThan(0);
    const next = page.locator('a.pagination-nav__link--next');
    const href = await next.getAttribute('href');
    await next.click();
    await expect.poll(async () => (await tokens()).path).toBe(href);
    const navigated = await tokens();
    expect(navigated.count).toBeGreaterThan(100);
    expect(navigated.fromServer).toBe(0);
    expect(navigated.kept, 'a page reached by a client-side link has no server lines to keep').toBe(false);
    expect(navigated.fn).toBe(switched.fn);
    await page.close();
  });
});
