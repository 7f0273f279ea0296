// SPDX-License-Identifier: Apache-2.0
// a11y.test.mjs — every page of the interface, checked with axe-core
// (WCAG 2.1 A and AA rules): no serious or critical violation; each page
// kept as a screenshot; the keyboard focus is visible. The pages run under
// their own CSP with no script error and no request leaving the machine.
// (Layout at 360 px: layout.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { demoNetwork, demoPages, launchBrowser, newPage, login, go, screenshot, noProblems } from './lib/harness.mjs';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let net, ids, browser;

before(async () => {
  ({ net, ids } = await demoNetwork('a11y'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await net?.stop();
});


// axe(page): serious and critical violations, one line each.
async function axe(page) {
  await page.evaluate(axeSource); // DevTools evaluation: not subject to the page's CSP
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    resultTypes: ['violations'],
  }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

for (const lang of ['en', 'ru']) {
  test(`axe finds no serious or critical violation on any page (${lang})`, async () => {
    const page = await newPage(browser, { lang });
    await login(page, net, 'hub');
    const found = {};
    for (const [name, p] of Object.entries(demoPages(ids))) {
      await go(page, net, 'hub', p);
      const v = await axe(page);
      if (v.length) found[name] = v;
      assert.ok(await page.$('main'), `${name} has a main landmark`);
      assert.ok((await page.title()).trim().length > 0, `${name} has a title`);
      if (lang === 'en') await screenshot(page, name);
      else if (['home', 'case', 'compare'].includes(name)) await screenshot(page, `${name}-${lang}`);
      noProblems(page, name);
    }
    assert.deepEqual(found, {}, 'serious or critical accessibility violations');
    await page.close();
  });
}

test('the 401 and 404 pages pass too', async () => {
  const ctx = await browser.createBrowserContext();
  const page = await newPage(ctx);
  await go(page, net, 'hub', '/', { status: 401 });
  assert.deepEqual(await axe(page), [], 'the 401 page');
  await screenshot(page, 'unauthorized');
  await login(page, net, 'hub');
  await go(page, net, 'hub', '/no-such-page', { status: 404 });
  assert.deepEqual(await axe(page), [], 'the 404 page');
  await ctx.close();
});

test('the keyboard reaches the navigation and its focus is visible', async () => {
  const page = await newPage(browser);
  await login(page, net, 'hub');
  // The look of an element that has the keyboard focus, and without it.
  const look = (e) => {
    const cs = getComputedStyle(e);
    return [cs.outlineStyle === 'none' ? 'none' : `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
      cs.boxShadow, cs.backgroundColor, cs.borderColor, cs.color, cs.textDecorationLine].join('|');
  };
  await page.evaluate(`window.__look = ${look}`); // DevTools evaluation: not subject to the CSP
  const seen = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate((i) => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      e.setAttribute('data-focus-test', String(i));
      return { i, tag: e.tagName.toLowerCase(), href: e.getAttribute('href'), focused: window.__look(e) };
    }, i);
    if (f) seen.push(f);
  }
  assert.ok(seen.length > 0, 'Tab moves the focus into the page');
  await page.evaluate(() => document.activeElement?.blur());
  for (const f of seen) {
    f.unfocused = await page.$eval(`[data-focus-test="${f.i}"]`, (e) => window.__look(e));
  }
  const invisible = seen.filter((f) => f.focused === f.unfocused).map((f) => `${f.tag} ${f.href || ''}`);
  assert.deepEqual(invisible, [], 'focused elements that look the same as unfocused ones');
  assert.ok(seen.some((f) => f.href === '/cases' || f.href?.startsWith('#')), 'the keyboard reaches the cases link or a skip link');
  await page.close();
});
