// SPDX-License-Identifier: Apache-2.0
// hostile.test.mjs — a hostile member publishes a case study whose every
// text field carries markup, <script>, event-handler attributes, attribute
// and URL breakouts, control characters and right-to-left overrides. The
// hub receives it (by feed import, as over a USB stick) and shows it on
// every page where record text appears: it must render inert — no script
// runs, no element or attribute comes from the record, the markup shows as
// text, no raw control character reaches the HTML, and a right-to-left
// override cannot reorder the page around it. Checked twice: under the
// pages' own Content-Security-Policy, and with the CSP bypassed, so that
// the escaping alone is proven (CSP is the second wall, not the first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Network, launchBrowser, newPage, login, go, screenshot, text, request } from './lib/harness.mjs';

const MARK = 'HOSTILEMARK';
const RLO = '\u202e';
// Each payload sets window.__pwned if it ever runs.
const payloads = [
  '<script>window.__pwned="script"</script>',
  '<img src=x onerror="window.__pwned=\'img\'">',
  '"><svg onload="window.__pwned=\'svg\'">',
  "'><iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
  '</title></textarea></style><script>window.__pwned="breakout"</script>',
  '<a href="javascript:window.__pwned=\'href\'">click</a>',
  '&lt;b&gt;not bold&lt;/b&gt;',
];
const controls = '\u0007bell \u001b[31mred\u001b[0m \u0008back \u007fdel \u0085nel \u000bvt';
const hostile = (field) => `${MARK} ${field} ${payloads.join(' ')} ${controls} ${RLO}override-${field}`;

const record = {
  title: { en: hostile('title-en'), ru: hostile('title-ru') },
  summary: { en: hostile('summary-en'), ru: hostile('summary-ru') },
  problem: { en: hostile('problem') },
  solution: { en: hostile('solution') },
  lessons: { en: hostile('lessons') },
  country: 'KZ',
  stage: 'idea',
  centre: hostile('centre'),
  contact: 'javascript:window.__pwned="contact"',
  tags: ['<b>bold-tag</b>', '" onmouseover="window.__pwned=\'tag\'" x="', `${RLO}rtl-tag`],
  services: ['<script>window.__pwned="service"</script>'],
  channels: ['\'><img src=x onerror="window.__pwned=\'channel\'">'],
};

let net, browser, page, id, cookie;

before(async () => {
  net = new Network('hostile');
  await net.create('hub');
  await net.join('mallory', { org: '<script>window.__pwned="org"</script>Mallory', country: 'KZ' });
  const out = await net.pxOk('mallory', ['publish', 'case', '-'], { input: JSON.stringify(record) });
  id = out.trim();
  assert.match(id, /^[0-9a-f]{64}$/, 'the hostile case is published');
  const feed = path.join(net.dir, 'mallory.feed');
  await net.pxOk('mallory', ['feed', 'export', '--author', 'me', feed]);
  await net.pxOk('hub', ['feed', 'import', feed]);
  await net.start('hub');
  browser = await launchBrowser();
  page = await newPage(browser);
  await login(page, net, 'hub');
  cookie = (await page.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
});
after(async () => {
  await browser?.close();
  await net?.stop();
});

const pages = () => ['/', '/cases', `/cases?q=${MARK}`, `/cases/${id}`, `/cases/${id}?lang=ru`,
  `/cases?tag=${encodeURIComponent(record.tags[1])}`, `/cases?q=${encodeURIComponent(payloads[0])}`, '/members'];

// inert(page, p): the checks on one loaded page.
async function inert(pg, p) {
  await new Promise((r) => setTimeout(r, 200)); // let any load/error handler fire
  const found = await pg.evaluate(() => {
    const bad = [];
    if (window.__pwned !== undefined) bad.push(`script ran: ${window.__pwned}`);
    for (const e of document.querySelectorAll('*')) {
      const tag = e.tagName.toLowerCase();
      for (const a of e.attributes) {
        if (/^on/i.test(a.name)) bad.push(`<${tag} ${a.name}>`);
        if (/^\s*javascript:/i.test(a.value)) bad.push(`<${tag} ${a.name}="${a.value}">`);
        if (a.name === 'srcdoc') bad.push(`<${tag} srcdoc>`);
      }
      if (tag === 'script' && /__pwned/.test(e.textContent)) bad.push('a <script> from the record');
      if (tag === 'iframe') bad.push('an <iframe>');
      if (tag === 'img' && e.getAttribute('src') === 'x') bad.push('an <img> from the record');
      if (tag === 'b' && /bold-tag|not bold/.test(e.textContent)) bad.push('a <b> from the record');
      if (tag === 'a' && e.textContent === 'click') bad.push('an <a> from the record');
    }
    return bad;
  });
  assert.deepEqual(found, [], `${p}: record text became markup`);
  assert.deepEqual(pg.problems.dialogs, [], `${p}: a dialog opened`);
}

test('a hostile case renders inert on every page that shows it', async () => {
  for (const p of pages()) {
    await go(page, net, 'hub', p);
    await inert(page, p);
  }
  await go(page, net, 'hub', `/cases/${id}`);
  const body = await text(page);
  // The markup is shown as text, as written.
  for (const s of ['<script>window.__pwned="script"</script>', '<img src=x onerror=', '&lt;b&gt;not bold&lt;/b&gt;']) {
    assert.ok(body.includes(s), `the case page shows ${s} as text`);
  }
  assert.ok(body.includes(`${MARK} title-en`), 'the title is shown');
  assert.ok(body.includes(`${MARK} summary-en`), 'the summary is shown');
  assert.ok(body.includes('<b>bold-tag</b>'), 'a tag is shown as text');
  await screenshot(page, 'hostile-case');
});

test('no raw control character reaches the HTML', async () => {
  for (const p of pages()) {
    const r = await request(net.base('hub') + p, { headers: { cookie } });
    assert.equal(r.status, 200, `GET ${p}`);
    assert.match(r.headers['content-type'] || '', /^text\/html;\s*charset=utf-8/i, `${p} is HTML in UTF-8`);
    const bad = [...r.body].filter((ch) => /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(ch));
    assert.deepEqual(bad.map((c) => c.codePointAt(0).toString(16)), [], `${p}: raw control characters in the HTML`);
  }
});

test('a right-to-left override cannot reorder the text around it', async () => {
  for (const p of [`/cases/${id}`, '/cases', `/cases?q=${MARK}`]) {
    await go(page, net, 'hub', p);
    // Every text node that holds a bidi override or embedding must sit in an
    // isolating element (bdi, dir=…, unicode-bidi isolate/plaintext) or a
    // block of its own, and nothing but record text may follow it there.
    const leaks = await page.evaluate(() => {
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        if (!/[\u202a-\u202e\u2066-\u2069]/.test(t.data)) continue;
        let e = t.parentElement;
        for (; e && e !== document.body; e = e.parentElement) {
          const cs = getComputedStyle(e);
          if (/isolate|plaintext/.test(cs.unicodeBidi) || !/^inline/.test(cs.display)) break;
        }
        const r = document.createRange();
        r.setStartAfter(t);
        r.setEnd(e, e.childNodes.length);
        const after = r.toString().trim();
        if (after && !/override-|rtl-tag|HOSTILEMARK/.test(after.split(/\s+/)[0])) {
          out.push(`after ${JSON.stringify(t.data.slice(-20))} in <${e.tagName.toLowerCase()}>: ${JSON.stringify(after.slice(0, 60))}`);
        }
      }
      return out;
    });
    assert.deepEqual(leaks, [], `${p}: interface text shares a bidi scope with a record's override`);
  }
});

test('the escaping alone is inert: the same pages with the CSP bypassed', async () => {
  const raw = await newPage(browser);
  await raw.setBypassCSP(true);
  for (const p of pages()) {
    await go(raw, net, 'hub', p);
    await inert(raw, p);
  }
  await raw.close();
});
