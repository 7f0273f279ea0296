// SPDX-License-Identifier: Apache-2.0
// publish.test.mjs — a practitioner at Government for Citizens publishes a
// case study through the form at her own node; the form with an error
// keeps what was typed and names the field; the published case opens at
// once on her node, reaches the hub by gossip, and shows in the hub's
// interface (its page and its search).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoNetwork, launchBrowser, newPage, login, go, screenshot, text, field, fill, submitForm,
  noProblems, waitFor, request } from './lib/harness.mjs';

let net, browser, page;
const TITLE = 'Queue-free Tuesdays in Pavlodar zebrafinch';
const SUMMARY = 'Appointments replaced the morning queue on Tuesdays; waiting fell from 35 to 9 minutes.';

before(async () => {
  ({ net } = await demoNetwork('publish', { centre: true }));
  browser = await launchBrowser();
  page = await newPage(browser);
  await login(page, net, 'g4c');
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

// The case form: the POST form on /publish/case.
async function caseForm() {
  await page.$$eval('form', (fs) => {
    const f = fs.find((f) => f.method.toLowerCase() === 'post' && [...f.querySelectorAll('label')]
      .some((l) => /title/i.test(l.textContent)));
    if (f) f.setAttribute('data-test', 'case');
  });
  assert.ok(await page.$('form[data-test=case]'), '/publish/case has a POST form with a title field');
  return 'form[data-test=case]';
}

test('a form with an error keeps what was typed and names the field', async () => {
  await go(page, net, 'g4c', '/publish/case');
  const held = await net.entries('g4c');
  const form = await caseForm();
  await fill(page, form, /summary/i, SUMMARY); // no title
  await fill(page, form, /country/i, 'KZ');
  await fill(page, form, /stage/i, 'pilot');
  await submitForm(page, form, /^publish$/i);
  const again = await caseForm();
  const title = await field(page, again, /title/i);
  assert.equal(await title.evaluate((e) => e.getAttribute('aria-invalid')), 'true', 'the title field is marked invalid');
  const message = await title.evaluate((e) => (e.getAttribute('aria-describedby') || '').split(/\s+/)
    .map((id) => document.getElementById(id)?.textContent || '').join(' '));
  assert.match(message, /title/i, `the error beside the title names it: ${message}`);
  assert.equal(await (await field(page, again, /summary/i)).evaluate((e) => e.value), SUMMARY, 'the summary typed is kept');
  assert.equal(await net.entries('g4c'), held, 'nothing was stored');
  await screenshot(page, 'publish-case-error');
});

test('a case published through the form reaches the hub by gossip and shows there', async () => {
  await go(page, net, 'g4c', '/publish/case');
  const form = await caseForm();
  await fill(page, form, /title/i, TITLE);
  await fill(page, form, /summary/i, SUMMARY);
  await fill(page, form, /country/i, 'KZ');
  await fill(page, form, /stage/i, 'pilot');
  await screenshot(page, 'publish-case');
  await submitForm(page, form, /^publish$/i);
  // Afterwards: the new record's page.
  const m = new URL(page.url()).pathname.match(/^\/cases\/([0-9a-f]{64})$/);
  assert.ok(m, `after publishing, the new case's page (at ${page.url()})`);
  const id = m[1];
  assert.ok((await text(page)).includes(TITLE), 'the new case page shows its title');
  assert.ok(await net.holds('g4c', id), 'the centre holds the new entry');
  noProblems(page, 'publish');

  await waitFor(`the hub to receive case ${id.slice(0, 16)} by gossip`, () => net.holds('hub', id), 30000);
  const hub = await newPage(browser);
  await login(hub, net, 'hub');
  const { cookie } = await net.session('hub');
  // Received entries are indexed when the node is idle: wait for the page.
  await waitFor('the hub to show the case page', async () =>
    (await request(`${net.base('hub')}/cases/${id}`, { headers: { cookie } })).status === 200, 15000);
  await go(hub, net, 'hub', `/cases/${id}`);
  const body = await text(hub);
  assert.ok(body.includes(TITLE), "the hub's case page shows the title");
  assert.ok(body.includes(SUMMARY), "the hub's case page shows the summary");
  assert.ok(body.includes('Government for Citizens') || body.includes(net.node('g4c').key.slice(0, 16)),
    'the hub names the centre that published it');
  await screenshot(hub, 'hub-case-received');
  await go(hub, net, 'hub', '/cases?q=zebrafinch');
  assert.ok(await hub.$(`a[href^="/cases/${id}"]`), "the hub's search finds the case");
  noProblems(hub, 'hub');
  await hub.close();
});
