// SPDX-License-Identifier: Apache-2.0
// security.test.mjs — the security contract of DESIGN.md "Web interface",
// over plain HTTP (what an attacker's page or a stray process can send):
// no session → 401 with a page that says to run `praxis ui`; a foreign Host
// → 403 (DNS rebinding); a POST without the session's CSRF token → 403 and
// nothing stored; the headers every page sends; the session cookie's flags;
// `praxis ui --new-token` ends every session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Network, request, rawRequest, form } from './lib/harness.mjs';

let net, port, s;

before(async () => {
  net = new Network('security');
  await net.create('hub');
  await net.start('hub');
  port = net.node('hub').http;
  s = await net.session('hub');
});
after(async () => { await net?.stop(); });

const base = () => net.base('hub');

test('without a session every page answers 401 and says to run praxis ui', async () => {
  for (const p of ['/', '/cases', '/cases?q=x', '/indicators', '/compare?indicator=X&period=2018',
    '/trend?indicator=X&country=KZ', '/aggregate?indicator=X&period=2018', '/publish/case',
    '/publish/benchmark', '/members', '/network', '/export?format=csv', '/api/status']) {
    const r = await request(base() + p);
    assert.equal(r.status, 401, `GET ${p} without a session`);
    assert.match(r.body, /praxis ui/, `the 401 page of ${p} says to run praxis ui`);
  }
  const r = await request(base() + '/publish/case', { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ title: 'x' }) });
  assert.ok(r.status === 401 || r.status === 403, `POST without a session is refused (got ${r.status})`);
});

test('a wrong or missing login token opens no session', async () => {
  for (const p of ['/login', '/login?token=', '/login?token=00', '/login?token=' + 'a'.repeat(64)]) {
    const r = await request(base() + p);
    assert.ok(r.status >= 400 && r.status < 500, `GET ${p} is refused (got ${r.status})`);
    assert.equal(r.headers['set-cookie'], undefined, `GET ${p} sets no cookie`);
  }
});

test('login trades the token for an HttpOnly SameSite=Strict session cookie', async () => {
  assert.ok(s.setCookie.some((c) => /;\s*HttpOnly/i.test(c) && /;\s*SameSite=Strict/i.test(c)),
    `the session cookie is HttpOnly and SameSite=Strict: ${s.setCookie.join(' | ')}`);
  const r = await request(base() + '/', { headers: { cookie: s.cookie } });
  assert.equal(r.status, 200, 'the session opens the home page');
});

test('every page sends a CSP without inline script, and nosniff', async () => {
  for (const p of ['/', '/cases', '/indicators', '/network', '/nonexistent-page']) {
    const r = await request(base() + p, { headers: { cookie: s.cookie } });
    const csp = r.headers['content-security-policy'];
    assert.ok(csp, `${p} sends a Content-Security-Policy`);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0]).map(([k, ...v]) => [k.toLowerCase(), v]));
    const scripts = directives['script-src'] || directives['default-src'];
    assert.ok(scripts, `${p}: the CSP restricts scripts (script-src or default-src): ${csp}`);
    assert.ok(!scripts.includes("'unsafe-inline'") && !scripts.includes("'unsafe-eval'") &&
      !scripts.includes('*') && !scripts.some((v) => /^(https?:|data:)/.test(v)),
      `${p}: scripts only from the node itself: ${csp}`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', `${p} sends nosniff`);
  }
  const r = await request(base() + '/');
  assert.ok(r.headers['content-security-policy'], 'the 401 page sends the CSP too');
});

test('a foreign Host header is refused with 403 (DNS rebinding)', async () => {
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`,
    `localhost.evil.example:${port}`, `127.0.0.1:${port + 1}`, `[::1]:${port + 1}`, `localhost`]) {
    for (const cookie of [s.cookie, undefined]) {
      const headers = { host };
      if (cookie) headers.cookie = cookie;
      const r = await request(base() + '/', { headers });
      assert.equal(r.status, 403, `Host: '${host}' ${cookie ? 'with' : 'without'} a session`);
    }
  }
  // An empty Host, and none at all (HTTP/1.0), written by hand.
  for (const [what, req] of [['an empty Host', `GET / HTTP/1.1\r\nHost: \r\nCookie: ${s.cookie}\r\nConnection: close\r\n\r\n`],
    ['no Host', `GET / HTTP/1.0\r\nCookie: ${s.cookie}\r\n\r\n`]]) {
    assert.equal(await rawRequest(port, req), 403, `${what} is refused`);
  }
  const login = await net.loginUrl('hub');
  const r = await request(login, { headers: { host: `evil.example:${port}` } });
  assert.equal(r.status, 403, 'the login URL with a foreign Host');
  assert.equal(r.headers['set-cookie'], undefined, 'no session for a foreign Host');
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    const ok = await request(base() + '/', { headers: { host, cookie: s.cookie } });
    assert.equal(ok.status, 200, `Host: ${host} is this node`);
  }
});

test('a POST without the session\'s CSRF token is refused with 403 and stores nothing', async () => {
  const held = await net.entries('hub');
  const fields = { 'title.en': 'CSRF', title: 'CSRF', 'summary.en': 'forged', summary: 'forged',
    country: 'KZ', stage: 'idea' };
  const posts = [
    ['/publish/case', fields],
    ['/publish/case', { ...fields, _csrf: 'forged' }],
    ['/publish/case', { ...fields, _csrf: '' }],
    ['/publish/case', { ...fields, _csrf: 'a'.repeat(64) }],
    ['/members', { key: '11'.repeat(32), org: 'x', country: 'KZ', role: 'centre' }],
  ];
  for (const [p, f] of posts) {
    const r = await request(base() + p, { method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form(f) });
    assert.equal(r.status, 403, `POST ${p} ${f._csrf === undefined ? 'without' : `with a wrong (${JSON.stringify(f._csrf)})`} CSRF token`);
  }
  // A cross-site multipart upload (what a hostile page's form sends) too.
  const boundary = 'pxboundary';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n` +
    'Content-Type: text/csv\r\n\r\nindicator;country;period;value\r\nKZ-SAT-OVERALL;KZ;2019;4\r\n' +
    `--${boundary}--\r\n`;
  const r = await request(base() + '/publish/benchmark', { method: 'POST', body,
    headers: { cookie: s.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` } });
  assert.equal(r.status, 403, 'a multipart POST without the CSRF token');
  assert.equal(await net.entries('hub'), held, 'nothing was stored');
  // The control: the same form with the session's own token gets past the check.
  const page = await request(base() + '/publish/case', { headers: { cookie: s.cookie } });
  const token = page.body.match(/name="_csrf" value="([0-9a-f]+)"/)?.[1];
  assert.ok(token, 'the form carries the session\'s CSRF token');
  const ok = await request(base() + '/publish/case', { method: 'POST',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form({ _csrf: token }) });
  assert.notEqual(ok.status, 403, 'a POST with the right token is not refused as forged');
});

test('only GET, HEAD and POST', async () => {
  const head = await request(base() + '/', { method: 'HEAD', headers: { cookie: s.cookie } });
  assert.equal(head.status, 200, 'HEAD /');
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const r = await request(base() + '/', { method, headers: { cookie: s.cookie } });
    assert.equal(r.status, 405, `${method} / answers 405`);
  }
});

test('praxis ui --new-token ends every session and the old login URL', async () => {
  const other = await net.session('hub');
  const oldUrl = await net.loginUrl('hub');
  await net.pxOk('hub', ['ui', '--new-token']);
  for (const c of [s.cookie, other.cookie]) {
    const r = await request(base() + '/', { headers: { cookie: c } });
    assert.equal(r.status, 401, 'a session opened before --new-token is over');
  }
  const r = await request(oldUrl);
  assert.ok(r.status >= 400 && r.status < 500, `the old login URL is refused (got ${r.status})`);
  assert.equal(r.headers['set-cookie'], undefined, 'the old token opens no session');
  const newUrl = await net.loginUrl('hub');
  assert.notEqual(newUrl, oldUrl, 'a new token');
  s = await net.session('hub');
  const ok = await request(base() + '/', { headers: { cookie: s.cookie } });
  assert.equal(ok.status, 200, 'the new token opens a session');
});
