// The replay of a lab run on its page: nothing of it loads until the reader asks, then it plays.
import {describe, expect, it} from 'vitest';
import {servedSite} from './site';

const the = servedSite();

describe('a lab page plays a recorded run of its lab', () => {
  it('loads the player and the cast only when opened, plays it, and changes speed', async () => {
    const page = await the.browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => void (msg.type() === 'error' && errors.push(msg.text())));
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(`${the.site.url}/docs/silos-isolation/pid-namespace`, {waitUntil: 'networkidle'});
    expect(requests.filter((u) => u.endsWith('.cast')), 'the cast loaded with the page, before the reader asked').toEqual([]);
    const cssBefore = await page.evaluate(() => Array.from(document.styleSheets).some((s) => Array.from(s.cssRules).some((r) => r.cssText.includes('.ap-term'))));
    expect(cssBefore, "the player's CSS loaded with the page").toBe(false);

    await page.getByRole('button', {name: /Watch a recorded run/}).click();
    const replay = page.getByRole('region', {name: 'Replay of a run of the lab silos/pid-ns'});
    // Real speed: the whole run takes under a second; its last fact ends the replay.
    await expect
      .poll(async () => (await replay.textContent()) ?? '', {timeout: 20_000})
      .toContain('processes left after the host kills its init: 0');
    const text = (await replay.textContent()) ?? '';
    expect(text).toContain('$ sudo labs/silos/pid-ns/run.sh');
    expect(text).toContain('[pid-ns]');
    expect(requests.filter((u) => u.endsWith('.cast'))).toHaveLength(1);

    await page.getByLabel('Replay speed').selectOption('4');
    await page.locator('.ap-player').first().waitFor({timeout: 10_000});
    expect(await page.locator('.ap-player').count(), 'one player after a speed change').toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
