// Reader progress: marks kept in localStorage, shown in the sidebar and on /progress, after reloads.
import {describe, expect, it} from 'vitest';
import {servedSite} from './site';

const the = servedSite();

describe('reader progress in Chromium', () => {
  it('a chapter and a lab marked done stay done after a reload, in the sidebar and on /progress, offline too', async () => {
    const context = await the.browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    // A resource the page fetches while the context is offline (a prefetch, a lazy chunk) fails with
    // ERR_INTERNET_DISCONNECTED: that is being offline, not a fault; any other error is.
    page.on('console', (msg) => void (msg.type() === 'error' && !msg.text().includes('net::ERR_INTERNET_DISCONNECTED') && errors.push(msg.text())));
    page.on('pageerror', (err) => errors.push(err.message));
    const sidebarItem = (slug: string) => page.locator(`li.theme-doc-sidebar-item-link:has(> a[href$="/silos-isolation/${slug}"])`);

    await page.goto(`${the.site.url}/docs/silos-isolation/pid-namespace`, {waitUntil: 'networkidle'});
    const chapter = page.getByLabel('Done with this chapter');
    const lab = page.getByLabel('I ran this lab (or watched its replay)');
    expect(await chapter.isChecked()).toBe(false);
    await chapter.check();
    await lab.check();
    await expect.poll(() => sidebarItem('pid-namespace').getAttribute('class')).toContain('cfs-progress-done');
    // The check mark is announced: the link's accessible name says done.
    expect(await sidebarItem('pid-namespace').getByRole('link', {name: 'PID namespace (done)'}).count()).toBe(1);

    await page.reload({waitUntil: 'networkidle'});
    await expect.poll(() => chapter.isChecked()).toBe(true);
    expect(await lab.isChecked()).toBe(true);
    await expect.poll(() => sidebarItem('pid-namespace').getAttribute('class')).toContain('cfs-progress-done');
    expect(await sidebarItem('mount-namespace').getAttribute('class')).not.toContain('cfs-progress-done');

    // A page reached by a client-side navigation (JavaScript-loaded), marked, then reloaded.
    await sidebarItem('mount-namespace').getByRole('link').click();
    await page.waitForURL(/\/mount-namespace$/);
    await page.getByLabel('Done with this chapter').check();
    await page.reload({waitUntil: 'networkidle'});
    await expect.poll(() => page.getByLabel('Done with this chapter').isChecked()).toBe(true);

    // The checklist page, part by part.
    await page.goto(`${the.site.url}/progress`, {waitUntil: 'networkidle'});
    await expect.poll(() => page.getByLabel('Chapter done: PID namespace').isChecked()).toBe(true);
    expect(await page.getByLabel('Lab run: silos/pid-ns').isChecked()).toBe(true);
    expect(await page.getByLabel('Chapter done: UTS namespace').isChecked()).toBe(false);
    expect(await page.locator('[data-part-summary="10-silos-isolation"]').textContent()).toMatch(/^2 of \d+ chapters done, 1 of \d+ labs run$/);

    // Offline: a mark made with no network is kept.
    await context.setOffline(true);
    await page.getByLabel('Chapter done: PID namespace').uncheck();
    await page.getByLabel('Chapter done: UTS namespace').check();
    await context.setOffline(false);
    await page.reload({waitUntil: 'networkidle'});
    await expect.poll(() => page.getByLabel('Chapter done: UTS namespace').isChecked()).toBe(true);
    expect(await page.getByLabel('Chapter done: PID namespace').isChecked()).toBe(false);

    expect(errors).toEqual([]);
    await context.close();
  });
});
