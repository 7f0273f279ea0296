// SPDX-License-Identifier: Apache-2.0
// praxis web interface: small enhancements only. Every page works without
// this script. It keeps the home page's network and sync status live by
// polling /api/status, and writes only text (textContent), never markup.
(function () {
  'use strict';
  var box = document.getElementById('status');
  if (!box || !window.fetch) return;
  var nf = new Intl.NumberFormat(document.documentElement.lang || 'en');
  function set(key, text) {
    var el = box.querySelector('[data-live="' + key + '"]');
    if (el) el.textContent = text;
    return el;
  }
  function render(st) {
    var conns = st.connections || [];
    var repl = st.replication || {};
    var store = st.store || {};
    var connected = conns.filter(function (c) { return c.state === 'connected'; }).length;
    var waiting = box.querySelector('[data-live="waiting"]');
    if (waiting && st.taken_ms) waiting.remove();
    set('connected', nf.format(connected));
    set('remaining', nf.format(repl.remaining || 0));
    set('received', nf.format(repl.received || 0));
    set('unindexed', nf.format(repl.unindexed || 0));
    set('feeds', nf.format(store.feeds || 0));
    set('frozen', nf.format(store.frozen_feeds || 0));
    set('misbehaving', nf.format((st.misbehaving || []).length));
    if (store.last_received_ms) {
      set('newest', new Date(store.last_received_ms).toLocaleString(document.documentElement.lang || 'en',
        { dateStyle: 'medium', timeStyle: 'short' }));
    }
    var state = box.querySelector('[data-live="state"]');
    if (state && st.taken_ms) {
      var busy = repl.busy || (repl.remaining || 0) > 0;
      var which = connected === 0 ? 'offline' : busy ? 'busy' : 'idle';
      state.textContent = state.getAttribute('data-' + which);
      state.setAttribute('data-state', which);
    }
    var list = box.querySelector('[data-live="conns"]');
    if (list) {
      while (list.firstChild) list.removeChild(list.firstChild);
      if (conns.length === 0) {
        var none = document.createElement('li');
        none.className = 'dim';
        none.textContent = list.getAttribute('data-none') || '';
        list.appendChild(none);
      }
      conns.forEach(function (c) {
        var li = document.createElement('li');
        var code = document.createElement('code');
        code.textContent = (c.public_key || '').slice(0, 16);
        li.appendChild(code);
        li.appendChild(document.createTextNode(' ' + (c.address || '') + ' '));
        var dir = document.createElement('span');
        dir.className = 'dim';
        dir.textContent = c.direction || '';
        li.appendChild(dir);
        list.appendChild(li);
      });
    }
  }
  function poll() {
    fetch('/api/status', { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (st) { if (st) render(st); })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();

// Attachments on a case page: "Fetch from peers" asks the node to fetch the
// blob (POST /api/blobs/ID with the CSRF token) and then polls its progress
// (GET /api/blobs/ID) until the download link can be shown. Without this
// script the form posts and the page comes back with the progress so far.
(function () {
  'use strict';
  var items = document.querySelectorAll('[data-blob]');
  if (!items.length || !window.fetch) return;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';
  function watch(li, id) {
    var state = li.querySelector('[data-blob-state]');
    var bar = li.querySelector('[data-blob-progress]');
    var link = li.querySelector('[data-blob-download]');
    var form = li.querySelector('[data-blob-fetch]');
    function show(st) {
      if (st.complete) {
        if (link) link.hidden = false;
        if (state) state.textContent = '';
        if (bar) bar.hidden = true;
        if (form) form.hidden = true;
        return true;
      }
      if (bar && st.chunks) {
        bar.max = st.chunks;
        bar.value = st.chunks_held || 0;
        bar.hidden = false;
      }
      if (state) {
        state.textContent = st.failed ? st.failed
          : st.chunks ? (st.chunks_held || 0) + ' / ' + st.chunks
          : (state.getAttribute('data-waiting') || '…');
      }
      return !!st.failed || !st.active;
    }
    function poll() {
      fetch('/api/blobs/' + id, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (st) { if (!st || !show(st)) setTimeout(poll, 500); })
        .catch(function () { setTimeout(poll, 2000); });
    }
    return function (ev) {
      ev.preventDefault();
      fetch('/api/blobs/' + id, { method: 'POST', credentials: 'same-origin',
        headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (st) { if (!st || !show(st)) setTimeout(poll, 300); })
        .catch(function () {});
    };
  }
  Array.prototype.forEach.call(items, function (li) {
    var form = li.querySelector('[data-blob-fetch]');
    if (form) form.addEventListener('submit', watch(li, li.getAttribute('data-blob')));
  });
})();
