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
});
