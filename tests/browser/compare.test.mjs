// SPDX-License-Identifier: Apache-2.0
// compare.test.mjs — an analyst compares satisfaction across countries
// whose surveys use different scales: Kazakhstan's 4.66 on 1–5 shows as
// 91.5 on 0–100, in a bar chart and in its table (the value on its own
// scale beside it); the view is shareable by its URL and downloadable
// exactly as shown; the aggregate view gives both means.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoNetwork, launchBrowser, newPage, login, go, screenshot, text, noProblems, request } from './lib/harness.mjs';

let net, browser, page, cookie;
const view = '/compare?indicator=KZ-SAT-OVERALL&period=2018&by=country';

before(async () => {
  ({ net } = await demoNetwork('compare'));
  browser = await launchBrowser();
  page = await newPage(browser, { lang: 'en' });
  await login(page, net, 'hub');
  cookie = (await page.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

// rows(page): every table row's cells' text.
const rows = (page) => page.$$eval('table tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));

test('compare shows 91.5 for 4.66 on 1–5, with its chart and its table', async () => {
  await go(page, net, 'hub', view);
  const table = await rows(page);
  const kz = table.find((r) => r.some((c) => c === '91.5') && r.some((c) => /4\.66/.test(c)));
  assert.ok(kz, `a table row with 91.5 and 4.66: ${JSON.stringify(table)}`);
  assert.ok(kz.some((c) => /\bKZ\b|Kazakhstan/.test(c)), `the row names Kazakhstan: ${kz}`);
  assert.ok(kz.some((c) => /1\s*[–-]\s*5/.test(c)), `the row gives the value's own scale, 1–5: ${kz}`);
  assert.ok(kz.some((c) => /10[,\s]?000/.test(c)), `the row gives n = 10,000: ${kz}`);
  assert.ok(table.some((r) => r.some((c) => /questionnaire/i.test(c))) || /questionnaire/i.test(await text(page)),
    'the method is shown');

  // The chart: an inline SVG whose bars are on 0–100; KZ's bar is the
  // longest of the 2018 results at 91.5.
  const chart = await page.$('svg');
  assert.ok(chart, 'the page has a chart (inline SVG)');
  const bars = await page.$$eval('svg rect', (rs) => rs.length);
  assert.ok(bars >= 2, `the chart has bars (${bars} rects)`);
  const svgText = await page.$$eval('svg', (ss) => ss.map((s) => s.textContent).join(' '));
  assert.match(svgText, /91\.5|KZ/, 'the chart is labelled with its values or countries');
  const label = await chart.evaluate((s) => s.getAttribute('aria-label') || s.querySelector('title')?.textContent ||
    s.getAttribute('aria-labelledby') || '');
  assert.ok(label.length > 0, 'the chart has an accessible name');
  await screenshot(page, 'compare');
  noProblems(page, 'compare');
});

test('the view is shareable by its URL and downloadable as CSV, JSON and SDMX-CSV', async () => {
  await go(page, net, 'hub', view);
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
  for (const [fmt, check] of [
    ['csv', (b) => /91\.5/.test(b) && /4\.66/.test(b)],
    ['json', (b) => { const d = JSON.parse(b); return typeof d === 'object' && !Array.isArray(d) && /91\.5/.test(b); }],
    ['sdmx-csv', (b) => /KZ-SAT-OVERALL/.test(b.split('\n')[1] || '') && /4\.66/.test(b)],
  ]) {
    const href = hrefs.find((h) => new RegExp(`format=${fmt}(&|$)`).test(h));
    assert.ok(href, `a ${fmt} download link: ${hrefs.filter((h) => /format=/.test(h))}`);
    const u = new URL(href, net.base('hub'));
    assert.equal(u.searchParams.get('indicator'), 'KZ-SAT-OVERALL', `the ${fmt} download is of what is shown (indicator)`);
    assert.equal(u.searchParams.get('period'), '2018', `the ${fmt} download is of what is shown (period)`);
    const r = await request(u.href, { headers: { cookie } });
    assert.equal(r.status, 200, `GET ${href}`);
    assert.match(r.headers['content-disposition'] || '', /attachment/, `${fmt} is served as a download`);
    assert.ok(check(r.body), `the ${fmt} download holds the 2018 KZ result: ${r.body.slice(0, 300)}`);
  }
  // The pickers write the same view into the URL.
  const p2 = await newPage(browser);
  await go(p2, net, 'hub', '/compare');
  const ind = await p2.$('form [name=indicator]');
  assert.ok(ind, '/compare has an indicator picker');
  await p2.$eval('form [name=indicator]', (e) => { e.value = 'KZ-SAT-OVERALL'; });
  const per = await p2.$('form [name=period]');
  assert.ok(per, '/compare has a period picker');
  await p2.$eval('form [name=period]', (e) => { e.value = '2018'; });
  await Promise.all([p2.waitForNavigation({ waitUntil: 'load' }),
    p2.$eval('form [name=indicator]', (e) => e.form.requestSubmit())]);
  const u = new URL(p2.url());
  assert.equal(u.searchParams.get('indicator'), 'KZ-SAT-OVERALL');
  assert.equal(u.searchParams.get('period'), '2018');
  assert.ok((await rows(p2)).some((r) => r.includes('91.5')), 'the picked view shows 91.5');
  noProblems(p2, 'compare pickers');
  await p2.close();
});

test('numbers are written the reader\'s way: 91,5 in Russian', async () => {
  const ru = await newPage(browser, { lang: 'ru' });
  await go(ru, net, 'hub', view);
  const table = await rows(ru);
  assert.ok(table.some((r) => r.includes('91,5')), `the Russian table writes 91,5: ${JSON.stringify(table)}`);
  await screenshot(ru, 'compare-ru');
  await ru.close();
});

test('aggregate gives the n-weighted and the unweighted means', async () => {
  await go(page, net, 'hub', '/aggregate?indicator=KZ-SAT-OVERALL&period=2018');
  const body = await text(page);
  // Demo 2018: KZ 4.66 (n 10,000) and three crosswalked results (n 1,000 each).
  assert.match(body, /weighted/i, 'the aggregate names its weighting');
  assert.match(body, /89\.4|4\.577/, 'the n-weighted mean, 4.577 (89.4 on 0–100)');
  assert.match(body, /84\.8|4\.39\b/, 'the unweighted mean, 4.39 (84.8 on 0–100)');
  await screenshot(page, 'aggregate');
  noProblems(page, 'aggregate');
});
