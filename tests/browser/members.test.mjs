// SPDX-License-Identifier: Apache-2.0
// members.test.mjs — the secretariat admits a new centre through the
// browser: key, organisation, country and role in a form; afterwards the
// member list shows it and the root's feed holds the signed member entry.
// A bad key is named beside its field, what was typed is kept, nothing is
// stored; a centre is not offered the form at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Network, launchBrowser, newPage, login, go, screenshot, text, field, fill, submitForm, noProblems } from './lib/harness.mjs';

let net, browser, page, newKey;
const ORG = 'Центр обслуживания населения №3';

before(async () => {
  net = new Network('members');
  await net.create('hub');
  await net.join('g4c');
  // A centre that has joined with the genesis but is not admitted yet.
  await net.pxOk('newcomer', ['init', '--network', net.genesis]);
  newKey = (await net.pxOk('newcomer', ['id'])).trim();
  await net.start('hub');
  await net.start('g4c', { peers: ['hub'] });
  browser = await launchBrowser();
  page = await newPage(browser);
  await login(page, net, 'hub');
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

// The admit form: the form on /members that has a field labelled "key".
async function admitForm() {
  const sel = await page.evaluate(() => {
    const forms = [...document.querySelectorAll('form')];
    const i = forms.findIndex((f) => [...f.querySelectorAll('label')].some((l) => /key/i.test(l.textContent)) &&
      f.method.toLowerCase() === 'post');
    if (i < 0) return null;
    forms[i].setAttribute('data-test', 'admit');
    return 'form[data-test=admit]';
  });
  assert.ok(sel, '/members has a POST form with a field labelled "key"');
  return sel;
}

test('a bad key is named beside its field, the form keeps what was typed, nothing is stored', async () => {
  await go(page, net, 'hub', '/members');
  const held = await net.entries('hub');
  const form = await admitForm();
  await fill(page, form, /key/i, 'not-a-key');
  await fill(page, form, /organi[sz]ation/i, ORG);
  await fill(page, form, /country/i, 'AZ');
  await fill(page, form, /role/i, 'centre');
  await submitForm(page, form);
  const again = await admitForm();
  const key = await field(page, again, /key/i);
  const message = await key.evaluate((e) => {
    const ids = (e.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const described = ids.map((id) => document.getElementById(id)?.textContent || '').join(' ');
    return described || e.closest('p, div, fieldset, li')?.textContent || '';
  });
  assert.match(message, /key/i, `the error beside the key field names the key: ${message}`);
  assert.equal(await key.evaluate((e) => e.getAttribute('aria-invalid')), 'true', 'the key field is marked invalid');
  assert.equal(await (await field(page, again, /organi[sz]ation/i)).evaluate((e) => e.value), ORG,
    'the organisation typed is kept');
  assert.equal(await net.entries('hub'), held, 'nothing was stored');
  await screenshot(page, 'members-error');
});

test('the secretariat admits a member through the browser', async () => {
  await go(page, net, 'hub', '/members');
  const form = await admitForm();
  await fill(page, form, /key/i, newKey);
  await fill(page, form, /organi[sz]ation/i, ORG);
  await fill(page, form, /country/i, 'AZ');
  await fill(page, form, /role/i, 'centre');
  await submitForm(page, form);
  const body = await text(page);
  assert.ok(body.includes(ORG), 'the member list shows the new organisation');
  assert.ok(body.includes(newKey.slice(0, 16)), 'the member list shows the new key');
  const list = await net.pxOk('hub', ['member', 'list', '--json']);
  assert.ok(list.includes(newKey), 'praxis member list holds the new member');
  assert.ok(list.includes(ORG), 'with its organisation');
  await screenshot(page, 'members');
  noProblems(page, 'members');
});

test('a centre is not offered the admit form', async () => {
  const p = await newPage(browser);
  await login(p, net, 'g4c');
  const nav = await p.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(!nav.includes('/members'), "the centre's pages do not link to /members");
  const res = await p.goto(net.base('g4c') + '/members', { waitUntil: 'load' });
  const forms = await p.$$eval('form', (fs) => fs.filter((f) => f.method.toLowerCase() === 'post' &&
    /members/.test(f.getAttribute('action') || location.pathname)).length);
  assert.equal(forms, 0, 'no admit or revoke form on the centre');
  assert.ok(res.status() === 200 || res.status() === 403, `/members on a centre answers 200 or 403 (${res.status()})`);
  await p.close();
});
