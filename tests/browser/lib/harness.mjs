// SPDX-License-Identifier: Apache-2.0
// harness.mjs — what every browser test shares: real praxisd nodes on
// 127.0.0.1 (each with its web interface on a free port), the demo data of
// bootstrap/demo/, a headless Debian chromium driven by puppeteer-core, and
// screenshots kept in the build folder.
//
// Rules (the same as tests/integration/lib.sh): every node lives in a fresh
// temporary directory; every wait is bounded and fails with a sentence that
// names what it waited for; every process started here is stopped by its
// pid (SIGTERM, then SIGKILL after 5 s), also when the test process dies.
//
// Environment (set by CTest, see tests/CMakeLists.txt):
//   PRAXIS_BIN   the build directory (cli/praxis, node/praxisd)
//   PRAXIS_SRC   the source directory (bootstrap/demo/)
//   PRAXIS_ARTIFACTS  where screenshots and node logs go (default
//                PRAXIS_BIN/tests/browser)
//   CHROMIUM     the browser (default /usr/bin/chromium)

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';

export const BIN = process.env.PRAXIS_BIN;
export const SRC = process.env.PRAXIS_SRC;
if (!BIN || !SRC) throw new Error('PRAXIS_BIN and PRAXIS_SRC must name the build and source directories');
export const PRAXIS = path.join(BIN, 'cli', 'praxis');
export const PRAXISD = path.join(BIN, 'node', 'praxisd');
export const DEMO = path.join(SRC, 'bootstrap', 'demo');
export const ARTIFACTS = process.env.PRAXIS_ARTIFACTS || path.join(BIN, 'tests', 'browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// --- bounded waits ------------------------------------------------------------

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// waitFor(what, fn, ms): poll fn (sync or async) every 100 ms until it
// returns a truthy value, which is returned; fail after ms naming `what`.
export async function waitFor(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}` +
        (last ? ` (last error: ${last.message})` : ''));
    }
    await sleep(100);
  }
}

// A TCP port on 127.0.0.1 that is free right now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// --- the praxis command line ----------------------------------------------------

// px(args, {input, timeout}): run praxis; resolves {code, stdout, stderr}
// (never rejects on a non-zero exit: callers check the code).
export function px(args, { input, timeout = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(PRAXIS, args, { timeout, maxBuffer: 64 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && err.killed) {
          reject(new Error(`praxis ${args.join(' ')} took longer than ${timeout / 1000} s`));
          return;
        }
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    if (input !== undefined) child.stdin.end(input);
  });
}

// pxOk(args, opts): run praxis, which must succeed; resolves its stdout.
export async function pxOk(args, opts) {
  const r = await px(args, opts);
  if (r.code !== 0) throw new Error(`praxis ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

// --- processes, stopped by pid ------------------------------------------------

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(130));
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) { children.delete(child); return; }
  const gone = new Promise((r) => child.once('exit', r));
  try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await gone;
  clearTimeout(t);
  children.delete(child);
}

// --- a network of nodes ---------------------------------------------------------

// The demo network's members (bootstrap/demo.sh).
export const ORGS = {
  hub: ['Regional Hub of Civil Service', 'KZ'],
  g4c: ['Government for Citizens', 'KZ'],
  asan: ['ASAN Service', 'AZ'],
  psh: ['Public Service Halls', 'GE'],
  iccs: ['Institute for Citizen-Centred Service', 'CA'],
};

export class Network {
  constructor(label) {
    this.label = label;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'px-web.'));
    this.nodes = new Map(); // name -> {dir, key, port, http, child, log}
    this.root = null;
  }

  data(name) { return path.join(this.dir, name); }
  node(name) {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node named ${name}`);
    return n;
  }
  // praxis --data DIR(name) ARGS...
  px(name, args, opts) { return px(['--data', this.data(name), ...args], opts); }
  pxOk(name, args, opts) { return pxOk(['--data', this.data(name), ...args], opts); }

  // create(root): the root node creates the network (it is the secretariat).
  async create(root = 'hub') {
    this.root = root;
    await this.pxOk(root, ['init', '--name', 'alliance-of-practitioners']);
    this.genesis = path.join(this.dir, 'genesis.json');
    await this.pxOk(root, ['network', 'export', this.genesis]);
    await this.#remember(root);
    return this;
  }

  async #remember(name) {
    const key = (await this.pxOk(name, ['id'])).trim();
    this.nodes.set(name, { dir: this.data(name), key, port: 0, http: 0, child: null });
    return key;
  }

  // join(name, {role, org, country}): name joins with the genesis, the root
  // admits it, and it receives the root's feed (the membership) by import.
  async join(name, { role = 'centre', org, country } = {}) {
    await this.pxOk(name, ['init', '--network', this.genesis]);
    const key = await this.#remember(name);
    const [o, c] = ORGS[name] || [name, 'KZ'];
    await this.pxOk(this.root, ['member', 'add', key, '--org', org || o, '--country', country || c,
      '--role', role]);
    await this.handRootFeed(name);
    return key;
  }

  async handRootFeed(name) {
    const f = path.join(this.dir, `root-${name}.feed`);
    await this.pxOk(this.root, ['feed', 'export', '--author', 'me', f]);
    await this.pxOk(name, ['feed', 'import', f]);
  }

  // publishDemo(name): every file of bootstrap/demo/ into one node, as
  // tests/integration/demo_data.sh does (indicators before benchmarks).
  // Resolves {file: [ids]}.
  async publishDemo(name) {
    const ids = {};
    const run = async (pairs) => {
      const out = await this.pxOk(name, ['publish', ...pairs.flat()]);
      return out.trim().split('\n');
    };
    const g4c = [['indicator', 'g4c/indicators.json'], ['benchmark', 'g4c/benchmarks.json'],
      ['benchmark', 'g4c/benchmarks-2018.csv'], ['case', 'g4c/case-astana-one-stop-shop.json'],
      ['case', 'g4c/case-pavlodar-hidden-services.json']];
    const groups = [g4c];
    for (const n of ['asan', 'psh', 'iccs']) {
      groups.push([['indicator', `${n}/indicators.json`], ['benchmark', `${n}/benchmarks.json`],
        ['case', `${n}/cases.json`]]);
    }
    groups.push([['crosswalk', 'hub/crosswalks.json'], ['case', 'hub/case-alliance-of-practitioners.json'],
      ['case', 'hub/case-bpr-local-level.json']]);
    for (const g of groups) {
      const files = g.map(([k, f]) => [k, path.join(DEMO, f)]);
      const out = await run(files);
      // One line per entry, in file order: count each file's records.
      let i = 0;
      for (const [, f] of g) {
        const n = countRecords(path.join(DEMO, f));
        ids[f] = out.slice(i, i + n);
        i += n;
      }
      assert.equal(i, out.length, `publish of ${g.map((x) => x[1]).join(', ')} printed ${out.length} ids`);
    }
    return ids;
  }

  // start(name, {peers}): praxisd for name, with its listener and its web
  // interface each on a free port, dialling the named (started) nodes.
  async start(name, { peers = [], args = [] } = {}) {
    const n = this.node(name);
    n.port ||= await freePort();
    n.http ||= await freePort();
    const argv = ['--data', n.dir, '--listen', `127.0.0.1:${n.port}`, '--http', `127.0.0.1:${n.http}`,
      '--log-level', 'debug', ...args];
    for (const p of peers) {
      const peer = this.node(p);
      argv.push('--peer', `${peer.key}@127.0.0.1:${peer.port}`);
    }
    n.log = path.join(this.dir, `${name}.log`);
    const out = fs.openSync(n.log, 'a');
    n.child = spawn(PRAXISD, argv, { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    children.add(n.child);
    n.child.once('exit', () => children.delete(n.child));
    const sock = path.join(n.dir, 'control.sock');
    await waitFor(`${name}'s praxisd to open its control socket (log: ${n.log})`, () => {
      if (n.child.exitCode !== null) throw new Error(`praxisd ${name} exited ${n.child.exitCode}: ${tail(n.log)}`);
      return fs.existsSync(sock);
    }, 15000);
    await waitFor(`${name}'s web interface on 127.0.0.1:${n.http}`, async () => {
      if (n.child.exitCode !== null) throw new Error(`praxisd ${name} exited: ${tail(n.log)}`);
      const r = await request(this.base(name) + '/');
      return r.status > 0;
    }, 15000);
    return n;
  }

  base(name) { return `http://127.0.0.1:${this.node(name).http}`; }

  // loginUrl(name): `praxis ui --url`, checked against the contract.
  async loginUrl(name) {
    const url = (await this.pxOk(name, ['ui', '--url'])).trim();
    assert.match(url, /^http:\/\/[^/]+\/login\?token=[0-9A-Za-z_-]+$/, 'praxis ui --url prints http://HOST:PORT/login?token=T');
    assert.equal(new URL(url).port, String(this.node(name).http), 'praxis ui --url names the --http port');
    return url;
  }

  // session(name): log in without a browser; resolves {cookie, base}.
  async session(name) {
    const url = await this.loginUrl(name);
    const r = await request(url);
    assert.ok(r.status === 302 || r.status === 303, `/login answers a redirect (got ${r.status})`);
    const set = [].concat(r.headers['set-cookie'] || []);
    assert.ok(set.length > 0, '/login sets a session cookie');
    const cookie = set.map((c) => c.split(';')[0]).join('; ');
    return { cookie, base: this.base(name), setCookie: set };
  }

  // entries(name): entries the node holds.
  async entries(name) {
    return JSON.parse(await this.pxOk(name, ['status', '--json'])).entries;
  }

  // holds(name, id): the node holds the entry.
  async holds(name, id) { return (await this.px(name, ['show', id])).code === 0; }

  async stop() {
    await Promise.all([...this.nodes.values()].filter((n) => n.child).map((n) => stopChild(n.child)));
    // The nodes' logs are kept beside the screenshots; the data goes.
    const logs = path.join(ARTIFACTS, 'logs', this.label);
    fs.mkdirSync(logs, { recursive: true });
    for (const [name, n] of this.nodes) {
      if (n.log && fs.existsSync(n.log)) fs.copyFileSync(n.log, path.join(logs, `${name}.log`));
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function countRecords(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.csv')) return text.trim().split('\n').length - 1;
  const d = JSON.parse(text);
  return Array.isArray(d) ? d.length : 1;
}

function tail(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

// demoNetwork(label, {centre}): the hub (root, secretariat) holding the
// whole demo data set, started; with `centre`, the g4c centre too, dialling
// the hub. Resolves {net, ids}.
export async function demoNetwork(label, { centre = false } = {}) {
  const net = new Network(label);
  await net.create('hub');
  if (centre) await net.join('g4c');
  const ids = await net.publishDemo('hub');
  await net.start('hub');
  if (centre) await net.start('g4c', { peers: ['hub'] });
  return { net, ids };
}

// demoPages(ids): every page of the interface, by name, on a node holding
// the demo data (ids: what publishDemo resolved).
export const demoPages = (ids) => ({
  home: '/',
  cases: '/cases',
  'cases-search': '/cases?q=waiting',
  case: `/cases/${ids['g4c/case-astana-one-stop-shop.json'][0]}`,
  indicators: '/indicators',
  indicator: '/indicators/KZ-SAT-OVERALL',
  compare: '/compare?indicator=KZ-SAT-OVERALL&period=2018&by=country',
  trend: '/trend?indicator=KZ-SAT-OVERALL&country=KZ',
  aggregate: '/aggregate?indicator=KZ-SAT-OVERALL&period=2018',
  'publish-case': '/publish/case',
  'publish-indicator': '/publish/indicator',
  'publish-benchmark': '/publish/benchmark',
  'publish-crosswalk': '/publish/crosswalk',
  members: '/members',
  network: '/network',
});

// --- plain HTTP (no browser) ----------------------------------------------------

// request(url, {method, headers, body}): one HTTP request, no redirects
// followed; resolves {status, headers, body}. Node's http is used rather
// than fetch because tests must send a foreign Host header.
export function request(url, { method = 'GET', headers = {}, body, timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8') }));
      });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeout / 1000} s`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// form(fields): an application/x-www-form-urlencoded body.
export function form(fields) {
  return new URLSearchParams(fields).toString();
}

// --- the browser ------------------------------------------------------------------

// launchBrowser(): headless chromium, networking to the outside off.
export async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'px-chrome.'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    timeout: 30000,
    protocolTimeout: 60000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--lang=en-US'],
  });
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return browser;
}

// newPage(browser, {lang}): a page that records what went wrong — script
// errors, console errors (CSP violations show there) and every request
// that was not for 127.0.0.1 (no request may leave the machine).
export async function newPage(browser, { lang = 'en', width = 1280, height = 900 } = {}) {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  page.setDefaultNavigationTimeout(20000);
  await page.setViewport({ width, height });
  await page.setExtraHTTPHeaders({ 'Accept-Language': lang });
  page.problems = { errors: [], console: [], outside: [], dialogs: [] };
  page.on('pageerror', (e) => page.problems.errors.push(String(e.message || e)));
  // Failed loads are recorded with their address (below), not as the
  // console's anonymous "Failed to load resource" line.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) page.problems.console.push(m.text());
  });
  page.on('response', (r) => {
    // (The browser asks for /favicon.ico on its own: a node without an
    // icon is no fault of the page.)
    if (r.status() >= 400 && r.request().resourceType() !== 'document' && new URL(r.url()).pathname !== '/favicon.ico') {
      page.problems.console.push(`${r.status()} for ${r.request().resourceType()} ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => page.problems.console.push(`${r.failure()?.errorText} for ${r.url()}`));
  page.on('dialog', (d) => { page.problems.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return;
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') page.problems.outside.push(r.url());
  });
  return page;
}

// noProblems(page, what): nothing went wrong on the page so far.
export function noProblems(page, what) {
  const p = page.problems;
  assert.deepEqual(p.outside, [], `${what}: requests left the machine`);
  assert.deepEqual(p.errors, [], `${what}: script errors`);
  assert.deepEqual(p.dialogs, [], `${what}: dialogs were opened`);
  assert.deepEqual(p.console, [], `${what}: console errors (CSP violations show here)`);
}

// login(page, net, name): open `praxis ui --url` in the page; lands on /.
export async function login(page, net, name) {
  const url = await net.loginUrl(name);
  const res = await page.goto(url, { waitUntil: 'load' });
  assert.equal(new URL(page.url()).pathname, '/', 'the login URL redirects to /');
  assert.equal(res.status(), 200, 'the home page answers 200 after login');
  return url;
}

// go(page, net, name, path): open a page of node name; it must answer 200.
export async function go(page, net, name, p, { status = 200 } = {}) {
  const res = await page.goto(net.base(name) + p, { waitUntil: 'load' });
  assert.equal(res.status(), status, `GET ${p} answers ${status}`);
  return res;
}

// screenshot(page, name): a full-page PNG in ARTIFACTS/screenshots.
export async function screenshot(page, name) {
  const dir = path.join(ARTIFACTS, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// text(page, selector): the visible text of the first match ('' if none).
export async function text(page, selector = 'body') {
  return page.$eval(selector, (e) => e.innerText).catch(() => '');
}

// submitForm(page, formSelector, button): submit through one of the form's
// own submit buttons (as a user would) — the one whose text matches the
// regular expression `button`, else the only one — and wait for the answer.
export async function submitForm(page, formSelector, button) {
  const buttons = await page.$$(`${formSelector} button:not([type]), ${formSelector} button[type=submit], ` +
    `${formSelector} input[type=submit]`);
  let chosen = null;
  for (const b of buttons) {
    const label = await b.evaluate((e) => (e.textContent || e.value || '').trim());
    if (button ? button.test(label) : buttons.length === 1) { chosen = b; break; }
  }
  assert.ok(chosen, `${formSelector} has ${button ? `a submit button ${button}` : 'one submit button'}`);
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), chosen.click()]);
  return res;
}

// field(page, scope, label): the form control whose <label> text matches
// the regular expression `label`, inside the element matching `scope`
// (tests find fields as a user does, by their labels; a control without a
// label is not found, which is an accessibility failure too).
export async function field(page, scope, label) {
  const h = await page.evaluateHandle((scope, src, flags) => {
    const re = new RegExp(src, flags);
    const root = document.querySelector(scope);
    if (!root) return null;
    for (const l of root.querySelectorAll('label')) {
      if (re.test(l.textContent.trim()) && l.control) return l.control;
    }
    return null;
  }, scope, label.source, label.flags);
  const el = h.asElement();
  assert.ok(el, `a field labelled ${label} in ${scope}`);
  return el;
}

// fill(page, scope, label, value): type into (or choose in) a labelled field.
export async function fill(page, scope, label, value) {
  const el = await field(page, scope, label);
  const tag = await el.evaluate((e) => e.tagName.toLowerCase());
  if (tag === 'select') {
    const ok = await el.evaluate((e, v) => {
      const o = [...e.options].find((o) => o.value === v || o.textContent.trim() === v);
      if (!o) return false;
      e.value = o.value;
      e.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    }, value);
    assert.ok(ok, `the field labelled ${label} offers ${value}`);
  } else {
    await el.evaluate((e) => { e.value = ''; });
    await el.type(value);
  }
  return el;
}

// rawRequest(port, text): send bytes as they are (for requests node's http
// will not send, such as an empty or missing Host); resolves the status.
export function rawRequest(port, text, timeout = 10000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    s.setTimeout(timeout, () => s.destroy(new Error(`no answer from 127.0.0.1:${port} within ${timeout / 1000} s`)));
    s.on('connect', () => s.write(text));
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const m = Buffer.concat(chunks).toString('latin1').match(/^HTTP\/1\.[01] (\d{3})/);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`no HTTP status line from 127.0.0.1:${port}`));
    });
  });
}
