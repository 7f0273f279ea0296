// SPDX-License-Identifier: Apache-2.0
// trend.test.mjs — Kazakhstan's satisfaction series 2014–2018: the line
// chart and its table, with the break of 2017 (the survey moved from a
// 0–10 to a 1–5 scale, so the series changes indicator there) marked in
// both, and its reason given.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoNetwork, launchBrowser, newPage, login, go, screenshot, noProblems } from './lib/harness.mjs';

let net, browser, page;

before(async () => {
  ({ net } = await demoNetwork('trend'));
  browser = await launchBrowser();
  page = await newPage(browser, { lang: 'en' });
  await login(page, net, 'hub');
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

test('a trend with its break marked, in the chart and the table', async () => {
  await go(page, net, 'hub', '/trend?indicator=KZ-SAT-OVERALL&country=KZ');
  const table = await page.$$eval('table tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));
  const row = (period) => table.find((r) => r.some((c) => c === period));
  for (const [period, value] of [['2014', /^87(\.0)?\b/], ['2017', /^89\.(3|25)\b/], ['2018', /^91\.5\b/]]) {
    const r = row(period);
    assert.ok(r, `the table has ${period}: ${JSON.stringify(table)}`);
    assert.ok(r.some((c) => value.test(c)), `${period} is ${value} on 0–100: ${r}`);
  }
  const b = row('2017').join(' ');
  assert.match(b, /break/i, `2017 is marked as a break: ${b}`);
  assert.match(b, /KZ-SAT-OVERALL-10/, `the break says the indicator changed from KZ-SAT-OVERALL-10: ${b}`);
  assert.doesNotMatch(row('2018').join(' '), /break/i, '2018 is not a break');
  assert.doesNotMatch(row('2014').join(' '), /break/i, '2014 is not a break');

  // The line chart: an SVG with a line through the points, and a mark at the
  // break that a reader can find (its title or label says "break").
  const lines = await page.$$eval('svg path, svg polyline, svg line', (ls) => ls.length);
  assert.ok(lines > 0, 'the chart draws a line');
  const breakMark = await page.$$eval('svg *', (es) => es.some((e) =>
    /break/i.test(e.getAttribute('class') || '') || /break/i.test(e.getAttribute('aria-label') || '') ||
    (e.tagName.toLowerCase() === 'title' && /break/i.test(e.textContent))));
  assert.ok(breakMark, 'the chart marks the break');
  await screenshot(page, 'trend');
  noProblems(page, 'trend');
});
