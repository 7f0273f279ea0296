// SPDX-License-Identifier: Apache-2.0
// upload.test.mjs — benchmark results uploaded as CSV through the browser:
// a file with a value outside its indicator's scale shows that row's error
// (and only that row's) and stores nothing; a file that is not CSV or not
// UTF-8 is refused with a sentence; the corrected file is stored whole and
// its results show.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { demoNetwork, launchBrowser, newPage, login, go, screenshot, text, submitForm, noProblems } from './lib/harness.mjs';

let net, browser, page;
const header = 'indicator;indicator_version;country;period;value;n;method;status;source';
const row = (value, period) => `KZ-SAT-OVERALL;1;KZ;${period};${value};500;questionnaire;normal;upload test`;

before(async () => {
  ({ net } = await demoNetwork('upload'));
  browser = await launchBrowser();
  page = await newPage(browser);
  await login(page, net, 'hub');
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

// upload(name, bytes): choose the file in /publish/benchmark's upload form
// and send it; resolves the answer page's text.
async function upload(name, bytes) {
  const file = path.join(net.dir, name);
  fs.writeFileSync(file, bytes);
  await go(page, net, 'hub', '/publish/benchmark');
  const input = await page.$('form input[type=file]');
  assert.ok(input, '/publish/benchmark has a file upload');
  await page.evaluate((e) => e.form.setAttribute('data-test', 'upload'), input);
  const label = await input.evaluate((e) => e.labels?.[0]?.textContent || '');
  assert.ok(label.trim().length > 0, 'the file field has a label');
  await input.uploadFile(file);
  await submitForm(page, 'form[data-test=upload]');
  return text(page, 'main');
}

// reported(): the lines the answer page reports as bad, each with its
// message: from the error table (a table whose first column is "Line"),
// else from sentences such as "line 3: ...".
async function reported() {
  const rows = await page.$$eval('main table', (ts) => {
    for (const t of ts) {
      const head = [...t.querySelectorAll('th')].map((th) => th.textContent.trim());
      if (!/^(line|row)$/i.test(head[0] || '')) continue;
      return [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent.trim()));
    }
    return null;
  });
  if (rows) return Object.fromEntries(rows.map((r) => [Number(r[0]), r.slice(1).join(' ')]));
  const body = await text(page, 'main');
  return Object.fromEntries([...body.matchAll(/(?:line|row)\s*(\d+)\b[:,]?\s*([^\n]*)/gi)].map((m) => [Number(m[1]), m[2]]));
}

const periods = async () => {
  const out = await net.pxOk('hub', ['benchmarks', '--json']);
  return [...out.matchAll(/"period":\s*"([^"]+)"/g)].map((m) => m[1]);
};

test('an out-of-scale row is named with its error, and nothing is stored', async () => {
  const held = await net.entries('hub');
  const csv = [header, row('4.1', '2019-Q1'), row('7.5', '2019-Q2'), row('3.9', '2019-Q3')].join('\n') + '\n';
  const body = await upload('bad-row.csv', csv);
  // Line 3 of the file (the second data row) holds 7.5 on a 1–5 scale.
  const bad = await reported();
  assert.deepEqual(Object.keys(bad).map(Number), [3], `only line 3 is reported: ${body.slice(0, 400)}`);
  assert.match(bad[3], /7\.5/, 'the error gives the bad value');
  assert.match(bad[3], /scale|1\s*[–-]\s*5/i, 'the error says the value is outside the scale');
  assert.match(body, /nothing was published/i, 'the page says nothing was published');
  assert.equal(await net.entries('hub'), held, 'nothing was stored');
  assert.ok(!(await periods()).some((p) => p.startsWith('2019')), 'no 2019 result exists');
  await screenshot(page, 'upload-error');
  noProblems(page, 'upload error');
});

test('every bad row is shown at once', async () => {
  const held = await net.entries('hub');
  const csv = [header, row('0', '2019-Q1'), row('4', '2019-Q2'), row('9', '2019-Q3'), row('abc', '2019-Q4')].join('\n') + '\n';
  const body = await upload('bad-rows.csv', csv);
  const bad = await reported();
  assert.deepEqual(Object.keys(bad).map(Number), [2, 4, 5], `lines 2, 4 and 5 are reported, not 3: ${body.slice(0, 400)}`);
  assert.match(bad[5], /abc/, 'line 5 names its value');
  assert.equal(await net.entries('hub'), held, 'nothing was stored');
});

test('a file that is not UTF-8, or not CSV, is refused with a sentence', async () => {
  const held = await net.entries('hub');
  let body = await upload('latin1.csv', Buffer.concat([Buffer.from(header + '\n'),
    Buffer.from('KZ-SAT-OVERALL;1;KZ;2019;4;500;questionnaire;normal;caf'), Buffer.from([0xe9, 0x0a])]));
  assert.match(body, /UTF-8/i, 'a Latin-1 file is refused as not UTF-8');
  body = await upload('image.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  assert.match(body, /CSV|UTF-8/i, 'a binary file is refused');
  assert.equal(await net.entries('hub'), held, 'nothing was stored');
});

test('the corrected file is stored whole and its results show', async () => {
  const held = await net.entries('hub');
  const csv = [header, row('4.1', '2019-Q1'), row('4.5', '2019-Q2'), row('3.9', '2019-Q3')].join('\n') + '\n';
  const body = await upload('good.csv', csv);
  assert.equal(await net.entries('hub'), held + 3, 'three results were stored');
  assert.deepEqual((await periods()).filter((p) => p.startsWith('2019')).sort(), ['2019-Q1', '2019-Q2', '2019-Q3']);
  assert.match(body, /2019-Q[123]|\b3\b[^\n]{0,40}(result|benchmark|published|entr)/i,
    `the answer page shows what was published: ${body.slice(0, 300)}`);
  await screenshot(page, 'upload-done');
  noProblems(page, 'upload done');
});
