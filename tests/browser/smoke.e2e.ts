// The page-by-page checks (console errors, failed requests, diagrams, budgets, axe) are in
// walk.e2e.ts, one walk over every page; this file drives the search as a reader does.
import {describe, it} from 'vitest';
import {servedSite} from './site';

const the = servedSite();

describe('the built site in Chromium', () => {
  it('local search finds a chapter by a word from its body', async () => {
    // "subreaper" is in the body of the PID namespace chapter, not in any title.
    const page = await the.browser.newPage();
    await page.goto(`${the.site.url}/`, {waitUntil: 'networkidle'});
    await page.locator('.navbar__search-input').fill('subreaper');
    const hit = page.locator('[role=listbox] [role=option]', {hasText: 'PID namespace'}).first();
    await hit.waitFor({timeout: 15_000});
    await hit.click();
    await page.waitForURL(/\/docs\/silos-isolation\/pid-namespace/, {timeout: 15_000});
    await page.close();
  });
});
