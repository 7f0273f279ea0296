// SPDX-License-Identifier: Apache-2.0
// login.test.mjs — a practitioner opens `praxis ui --url` in a browser: the
// token becomes a session cookie, the address bar no longer holds the
// token, and the home page shows this node's identity, role and network
// status; the session lasts across pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoNetwork, launchBrowser, newPage, login, go, screenshot, text, noProblems } from './lib/harness.mjs';

let net, browser, page;

before(async () => {
  ({ net } = await demoNetwork('login', { centre: true }));
  browser = await launchBrowser();
  page = await newPage(browser);
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

test('praxis ui --url logs the browser in and lands on the home page', async () => {
  const url = await login(page, net, 'g4c');
  const token = new URL(url).searchParams.get('token');
  assert.ok(!page.url().includes(token), 'the token is not left in the address bar');
  const cookies = await page.cookies();
  assert.ok(cookies.length > 0, 'a session cookie is set');
  for (const c of cookies) {
    assert.equal(c.httpOnly, true, `cookie ${c.name} is HttpOnly`);
    assert.equal(c.sameSite, 'Strict', `cookie ${c.name} is SameSite=Strict`);
    assert.ok(!c.value.includes(token), `cookie ${c.name} is not the login token itself`);
  }
  const body = await text(page);
  const key = net.node('g4c').key;
  assert.ok(body.includes(key.slice(0, 16)), "the home page shows this node's key");
  assert.match(body, /centre/i, "the home page shows this node's role");
  assert.ok(await page.$('main'), 'the home page has a main landmark');
  await screenshot(page, 'home');
  noProblems(page, 'home');
});

test('the home page shows the connection to the hub, live', async () => {
  // The centre dials the hub: the connection shows without reloading.
  const hubKey = net.node('hub').key.slice(0, 16);
  await page.waitForFunction((k) => document.body.innerText.includes(k), { timeout: 15000 }, hubKey)
    .catch(() => assert.fail("the home page does not show the hub's connection within 15 s"));
  noProblems(page, 'home, live');
});

test('the session lasts across pages, and the interface can be read in Russian', async () => {
  await go(page, net, 'g4c', '/cases');
  assert.ok((await text(page)).length > 0, '/cases shows with the session');
  const ru = await newPage(browser, { lang: 'ru' });
  await login(ru, net, 'g4c');
  assert.equal(await ru.evaluate(() => document.documentElement.lang), 'ru',
    'Accept-Language: ru gives the interface in Russian');
  assert.match(await text(ru), /[А-Яа-яЁё]{4,}/, 'the Russian home page has Russian words');
  await screenshot(ru, 'home-ru');
  noProblems(ru, 'home in Russian');
  await ru.close();
});
