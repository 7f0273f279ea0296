// SPDX-License-Identifier: Apache-2.0
// layout.test.mjs — every page is usable at 360 px (a small phone): the
// page itself never scrolls sideways (a wide table may scroll inside its
// own box). Screenshots of the main pages at that width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoNetwork, demoPages, launchBrowser, newPage, login, go, screenshot } from './lib/harness.mjs';

let net, ids, browser;

before(async () => {
  ({ net, ids } = await demoNetwork('layout'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

test('every page is usable at 360 px: nothing scrolls sideways', async () => {
  const page = await newPage(browser, { width: 360, height: 740 });
  await login(page, net, 'hub');
  const wide = [];
  for (const [name, p] of Object.entries(demoPages(ids))) {
    await go(page, net, 'hub', p);
    const found = await page.evaluate(() => {
      const w = document.documentElement.scrollWidth;
      if (w <= window.innerWidth + 1) return null;
      // The outermost elements that stick out, to name the culprit.
      const out = [];
      for (const e of document.querySelectorAll('main *, header *')) {
        const r = e.getBoundingClientRect();
        if (r.right > window.innerWidth + 1 && !out.some((o) => o.contains(e))) out.push(e);
      }
      return `${w} px (${out.slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className ? '.' + String(e.className).split(' ')[0] : '')).join(', ')})`;
    });
    if (found) wide.push(`${name}: ${found}`);
    if (['home', 'cases', 'case', 'compare', 'publish-case'].includes(name)) await screenshot(page, `${name}-360px`);
  }
  assert.deepEqual(wide, [], 'pages wider than 360 px');
  await page.close();
});
