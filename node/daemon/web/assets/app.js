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
