// SPDX-License-Identifier: Apache-2.0
// search.test.mjs — a Russian-speaking practitioner searches the case
// studies in Russian, opens the case found, and switches the language its
// text is shown in (the record's language is chosen apart from the
// interface's, with fallback).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { demoNetwork, DEMO, launchBrowser, newPage, login, go, screenshot, text, noProblems } from './lib/harness.mjs';

let net, ids, browser, page;
const astana = JSON.parse(fs.readFileSync(path.join(DEMO, 'g4c/case-astana-one-stop-shop.json'), 'utf8'));

before(async () => {
  ({ net, ids } = await demoNetwork('search'));
  browser = await launchBrowser();
  page = await newPage(browser, { lang: 'ru' });
  await login(page, net, 'hub');
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

test('a Russian search finds the case, with the matched words marked', async () => {
  await go(page, net, 'hub', '/cases');
  const q = await page.$('form input[name=q]');
  assert.ok(q, '/cases has a search field named q');
  await q.type('одного окна');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), q.press('Enter')]);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/cases');
  assert.equal(url.searchParams.get('q'), 'одного окна', 'the search is in the URL (shareable)');
  const id = ids['g4c/case-astana-one-stop-shop.json'][0];
  const link = await page.$(`a[href^="/cases/${id}"]`);
  assert.ok(link, 'the results link to the Astana one-stop-shop case');
  const hits = await page.$$eval('a[href^="/cases/"]', (as) => [...new Set(as.map((a) => a.getAttribute('href').split('?')[0]))]);
  assert.ok(!hits.includes(`/cases/${ids['iccs/cases.json'][0]}`), 'an unrelated case is not found');
  const marks = await page.$$eval('mark', (ms) => ms.map((m) => m.textContent.toLowerCase()));
  assert.ok(marks.some((m) => m.includes('окн') || m.includes('одного')), `the matched words are marked: ${marks}`);
  const body = await text(page);
  assert.ok(body.includes(astana.title.ru), 'the result shows the Russian title');
  assert.match(body, /KZ|Казахстан/, 'the facets or results name the country');
  await screenshot(page, 'cases-search-ru');
  noProblems(page, 'search');

  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
  assert.equal(new URL(page.url()).pathname, `/cases/${id}`, 'the result opens the case page');
});

test('the case page shows every field in Russian, then in English after the switch', async () => {
  const id = ids['g4c/case-astana-one-stop-shop.json'][0];
  let body = await text(page);
  assert.ok(body.includes(astana.title.ru), 'the title in Russian');
  assert.ok(body.includes(astana.summary.ru.slice(0, 60)), 'the summary in Russian');
  assert.match(body, /2005/, 'the start year');
  const h1 = await text(page, 'h1');
  assert.ok(h1.includes(astana.title.ru), `the page's heading is the title: ${h1}`);
  await screenshot(page, 'case-ru');

  // The record's language is switched on the page, by a link to ?lang=en.
  const en = await page.$(`a[href^="/cases/${id}"][href*="lang=en"]`);
  assert.ok(en, 'the case page offers its English text');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), en.click()]);
  const url = new URL(page.url());
  assert.equal(url.pathname, `/cases/${id}`);
  assert.equal(url.searchParams.get('lang'), 'en', 'the language is in the URL (shareable)');
  body = await text(page);
  assert.ok(body.includes(astana.title.en), 'the title in English');
  assert.ok(body.includes(astana.summary.en.slice(0, 60)), 'the summary in English');
  assert.ok(!body.includes(astana.title.ru), 'the Russian title is gone');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru',
    'the interface stays in Russian: the record language is chosen apart');
  await screenshot(page, 'case-en');
  noProblems(page, 'case page');
});

test('a language the record lacks falls back, and the fallback is marked', async () => {
  const id = ids['iccs/cases.json'][0]; // en and fr only
  const en = await newPage(browser, { lang: 'en' });
  await go(en, net, 'hub', `/cases/${id}?lang=kk`);
  const iccs = JSON.parse(fs.readFileSync(path.join(DEMO, 'iccs/cases.json'), 'utf8'))[0];
  assert.ok((await text(en, 'main')).includes(iccs.title.en), 'the English title is shown for kk');
  assert.equal(await en.$eval('h1', (h) => h.getAttribute('lang')), 'en',
    'the fallback title carries its language (lang="en"), for screen readers');
  // The page says so in words: "en" outside the title and outside links.
  const said = await en.evaluate(() => {
    const w = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
    for (let t = w.nextNode(); t; t = w.nextNode()) {
      if (t.parentElement.closest('h1, a')) continue;
      if (/\ben\b/.test(t.data)) return true;
    }
    return false;
  });
  assert.ok(said, 'the page says the text is shown in English');
  noProblems(en, 'fallback');
  await en.close();
});
