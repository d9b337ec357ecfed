import {serveBuildCompressed, launchChromium} from './site';
(async () => {
  const site = await serveBuildCompressed();
  const b = await launchChromium();
  for (const mode of ['light', 'dark'] as const) {
    const ctx = await b.newContext({colorScheme: mode, viewport: {width: 1000, height: 900}});
    const p = await ctx.newPage();
    await p.goto(site.url + process.argv[2], {waitUntil: 'networkidle'});
    const fig = p.locator('figure.cfs-diagrams').first();
    await fig.scrollIntoViewIfNeeded();
    await p.waitForTimeout(500);
    await fig.screenshot({path: `/tmp/sb-${mode}.png`});
    await ctx.close();
  }
  await b.close(); await site.stop();
})();
