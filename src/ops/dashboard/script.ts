/**
 * The dashboard's browser code, served as /dashboard/app.js. A string rather than a .js file because
 * tsc does not copy assets to dist/, and rather than a compiled function because tsx/esbuild may inject
 * helpers into a function's source. String.raw keeps backslashes verbatim; the code must not contain a
 * backtick or a dollar-brace (test/e2e/dashboard.test.ts compiles it to catch mistakes).
 *
 * It reads only documented routes: GET v1/calls, v1/alerts?limit=20, v1/nodes (Bearer header) and the
 * v1/events stream (?access_token=, as EventSource cannot set headers). Every datum is written with
 * textContent: nothing from the API is ever parsed as HTML.
 */
export const DASHBOARD_JS = String.raw`(function () {
  'use strict';

  var TOKEN_KEY = 'callguard.token';
  var ALERT_LIMIT = 20;
  // Nodes' heartbeat period when v1/nodes does not say (heartbeatMs); a node is healthy when seen
  // within twice that.
  var DEFAULT_HEARTBEAT_MS = 10000;
  // The bus is at-most-once and an expired call (dead node) publishes nothing, so the page re-reads
  // the REST routes now and then instead of trusting events forever.
  var RESYNC_MS = 15000;
  var FETCH_TIMEOUT_MS = 10000;
  var MAX_RETRY_MS = 30000;
  var EVENT_TYPES = ['call.started', 'call.updated', 'call.ended', 'alert', 'node'];

  var $ = function (id) { return document.getElementById(id); };

  var s = {
    token: '',
    calls: new Map(),
    alerts: new Map(),
    nodes: new Map(),
    available: { alerts: true, nodes: true },
    heartbeatMs: DEFAULT_HEARTBEAT_MS,
    clockOffset: 0,
    // Bumped by stop(): answers to an earlier token's requests are ignored.
    gen: 0,
    syncing: false,
    syncAgain: false,
    buffered: [],
    es: null,
    retryTimer: 0,
    retryMs: 2000,
    timers: [],
    dirty: {},
    frame: 0
  };
  var rowSig = new WeakMap();

  function AuthError() { this.name = 'AuthError'; }

  // ---- token ----

  function readHashToken() {
    var m = /(?:^|&)token=([^&]*)/.exec(location.hash.slice(1));
    if (!m) return '';
    var t;
    try { t = decodeURIComponent(m[1]); } catch (e) { t = m[1]; }
    // Out of the address bar (and so out of history, bookmarks and screenshots) at once.
    history.replaceState(null, '', location.pathname + location.search);
    return t.trim();
  }
  function storeToken(t) {
    try { sessionStorage.setItem(TOKEN_KEY, t); } catch (e) { /* storage disabled: keep it in memory */ }
  }
  function storedToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }
  function forgetToken() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing stored */ }
  }

  // ---- API ----

  function noteClock(res) {
    // Ages ("seen 4 s ago") compare server times with this clock; the Date header corrects a skewed
    // workstation. It has one-second resolution, so small differences are ignored.
    var d = Date.parse(res.headers.get('date') || '');
    if (isNaN(d)) return;
    var off = d - Date.now();
    s.clockOffset = Math.abs(off) > 2000 ? off : 0;
  }
  function serverNow() { return Date.now() + s.clockOffset; }

  function api(path) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, FETCH_TIMEOUT_MS);
    return fetch(path, {
      headers: { authorization: 'Bearer ' + s.token, accept: 'application/json' },
      cache: 'no-store',
      signal: ctl.signal
    }).then(function (res) {
      noteClock(res);
      if (res.status === 401 || res.status === 403) throw new AuthError();
      if (!res.ok) { var e = new Error(path + ': HTTP ' + res.status); e.status = res.status; throw e; }
      return res.json();
    }).finally(function () { clearTimeout(timer); });
  }

  // Reads the three routes and replaces the tables. Events arriving meanwhile are held and applied
  // after, so a call that ends during the read does not come back from the older snapshot.
  function resync() {
    if (!s.token) return;
    if (s.syncing) { s.syncAgain = true; return; }
    s.syncing = true;
    var gen = s.gen;
    Promise.allSettled([api('v1/calls'), api('v1/alerts?limit=' + ALERT_LIMIT), api('v1/nodes')]).then(function (r) {
      if (gen !== s.gen) return;
      if (r.some(function (x) { return x.status === 'rejected' && x.reason instanceof AuthError; })) {
        signOut('The server refused this token. Paste a valid one.');
        return;
      }
      if (r[0].status === 'fulfilled' && Array.isArray(r[0].value.calls)) {
        s.calls = new Map();
        r[0].value.calls.forEach(function (c) { if (c && typeof c.id === 'string') s.calls.set(c.id, c); });
        mark('calls');
      }
      if (r[1].status === 'fulfilled' && Array.isArray(r[1].value.alerts)) {
        s.available.alerts = true;
        s.alerts = new Map();
        r[1].value.alerts.forEach(function (a) { if (a && typeof a.id === 'string') s.alerts.set(a.id, a); });
        mark('alerts');
      } else if (r[1].status === 'rejected' && r[1].reason.status === 404) {
        s.available.alerts = false;
        mark('alerts');
      }
      if (r[2].status === 'fulfilled' && Array.isArray(r[2].value.nodes)) {
        s.available.nodes = true;
        if (typeof r[2].value.heartbeatMs === 'number' && r[2].value.heartbeatMs > 0) s.heartbeatMs = r[2].value.heartbeatMs;
        var down = s.nodes;
        s.nodes = new Map();
        r[2].value.nodes.forEach(function (n) {
          if (!n || typeof n.id !== 'string') return;
          var before = down.get(n.id);
          // A 'down' event outlives the registry entry only until the node heartbeats again.
          s.nodes.set(n.id, Object.assign({}, n, { down: !!(before && before.down && before.downAt >= n.seenAt) }));
        });
        mark('nodes');
      } else if (r[2].status === 'rejected' && r[2].reason.status === 404) {
        s.available.nodes = false;
        mark('nodes');
      }
    }).finally(function () {
      if (gen !== s.gen) return;
      s.syncing = false;
      var held = s.buffered;
      s.buffered = [];
      if (s.token) held.forEach(apply);
      if (s.syncAgain) { s.syncAgain = false; resync(); }
    });
  }

  // ---- live events ----

  function openStream() {
    closeStream();
    setConn('connecting', 'Connecting…');
    var es = new EventSource('v1/events?access_token=' + encodeURIComponent(s.token));
    s.es = es;
    es.addEventListener('open', function () {
      s.retryMs = 2000;
      setConn('live', 'Live');
      // Events published while we were not subscribed are gone: re-read (also on the first open,
      // which closes the gap between the first read and the subscription).
      resync();
    });
    es.addEventListener('error', function () {
      if (s.es !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error, e.g. 401): retry with back-off, and check the token.
        closeStream();
        setConn('offline', 'Disconnected · retrying in ' + Math.round(s.retryMs / 1000) + ' s');
        s.retryTimer = setTimeout(openStream, s.retryMs);
        s.retryMs = Math.min(s.retryMs * 2, MAX_RETRY_MS);
        api('v1/calls').catch(function (e) { if (e instanceof AuthError) signOut('The server refused this token. Paste a valid one.'); });
      } else {
        setConn('reconnecting', 'Reconnecting…');
      }
    });
    EVENT_TYPES.forEach(function (t) { es.addEventListener(t, onEvent); });
    // The server dropped events for us (we read too slowly): what we show may be stale.
    es.addEventListener('resync', function () { resync(); });
  }
  function closeStream() {
    clearTimeout(s.retryTimer);
    if (s.es) { s.es.close(); s.es = null; }
  }

  function onEvent(e) {
    var ev;
    try { ev = JSON.parse(e.data); } catch (err) { return; }
    if (!ev || typeof ev !== 'object') return;
    if (s.syncing) s.buffered.push(ev);
    else apply(ev);
  }

  function apply(ev) {
    switch (ev.type) {
      case 'call.started':
      case 'call.updated': {
        var rec = ev.call;
        if (!rec || typeof rec.id !== 'string') return;
        var c = Object.assign({ id: rec.id, node: rec.node, state: rec.state }, rec.summary || {});
        s.calls.set(rec.id, c);
        mark('calls');
        return;
      }
      case 'call.ended':
        if (s.calls.delete(ev.callId)) mark('calls');
        return;
      case 'alert': {
        var a = ev.alert;
        if (!a || typeof a.id !== 'string') return;
        var isNew = !s.alerts.has(a.id);
        s.alerts.set(a.id, a);
        s.available.alerts = true;
        mark('alerts');
        if (isNew) announce(a);
        return;
      }
      case 'node': {
        if (typeof ev.node !== 'string') return;
        var n = s.nodes.get(ev.node) || { id: ev.node, calls: 0, startedAt: ev.at };
        if (ev.status === 'down') { n.down = true; n.downAt = ev.at; }
        else { n.down = false; n.seenAt = ev.at; }
        s.nodes.set(ev.node, n);
        mark('nodes');
        return;
      }
    }
  }

  function announce(a) {
    var el = $('alert-live');
    el.textContent = 'New alert at ' + clock(a.raisedAt) + ': ' + levelText(a.level) + ' risk, ' +
      text(a.category) + ', subscriber ' + mask(a.subscriber) + '.';
    el.classList.add('fresh');
  }

  // ---- rendering (batched: many events per second cost one layout) ----

  function mark(what) {
    s.dirty[what] = true;
    if (!s.frame) s.frame = requestAnimationFrame(render);
  }
  function render() {
    s.frame = 0;
    var d = s.dirty;
    s.dirty = {};
    if (d.calls) renderCalls();
    if (d.alerts) renderAlerts();
    if (d.nodes) renderNodes();
  }

  function renderCalls() {
    var tbody = $('calls').tBodies[0];
    var list = Array.from(s.calls.values()).sort(function (a, b) {
      return (Date.parse(b.startedAt) || 0) - (Date.parse(a.startedAt) || 0) || String(a.id).localeCompare(String(b.id));
    });
    var existing = new Map();
    Array.from(tbody.rows).forEach(function (tr) { existing.set(tr.dataset.callId, tr); });
    // Keyed update: unchanged rows are left alone, so selection and screen-reader position survive.
    list.forEach(function (c, i) {
      var tr = existing.get(c.id);
      existing.delete(c.id);
      if (!tr) {
        tr = document.createElement('tr');
        tr.dataset.callId = c.id;
      }
      var sig = JSON.stringify([c.node, c.state, c.subscriber, c.startedAt, c.streams, c.risk]);
      if (rowSig.get(tr) !== sig) { fillCallRow(tr, c); rowSig.set(tr, sig); }
      if (tbody.rows[i] !== tr) tbody.insertBefore(tr, tbody.rows[i] || null);
    });
    existing.forEach(function (tr) { tr.remove(); });
    $('calls-count').textContent = '(' + list.length + ')';
    $('calls-empty').hidden = list.length > 0;
  }

  function fillCallRow(tr, c) {
    var risk = c.risk && typeof c.risk === 'object' ? c.risk : {};
    var idCell = el('td', null, [el('code', null, shortId(c.id))]);
    idCell.firstChild.title = text(c.id);
    var riskCell = el('td', null, riskBadge(risk.level));
    riskCell.dataset.risk = level(risk.level);
    if (typeof risk.score === 'number') riskCell.append(' ' + risk.score.toFixed(2));
    if (risk.category && risk.category !== 'none') riskCell.title = text(risk.category);
    tr.replaceChildren(
      idCell,
      el('td', null, text(c.node)),
      el('td', null, stateLabel(c.state)),
      el('td', null, mask(c.subscriber)),
      el('td', null, timeEl(Date.parse(c.startedAt))),
      el('td', null, streamsText(c.streams)),
      riskCell,
      el('td', null, yesNo(risk.alerted === true, '✓', '–'))
    );
  }

  function renderAlerts() {
    var tbody = $('alerts').tBodies[0];
    var list = Array.from(s.alerts.values()).sort(function (a, b) { return (b.raisedAt || 0) - (a.raisedAt || 0); });
    // Keep the newest ALERT_LIMIT; the map is trimmed too so a long shift does not grow it.
    list.slice(ALERT_LIMIT).forEach(function (a) { s.alerts.delete(a.id); });
    list = list.slice(0, ALERT_LIMIT);
    tbody.replaceChildren.apply(tbody, list.map(function (a) {
      var tr = el('tr', null, [
        el('td', null, timeEl(a.raisedAt)),
        el('td', null, mask(a.subscriber)),
        el('td', null, text(a.category)),
        riskTd(a.level),
        el('td', null, text(a.status)),
        el('td', 'num', String(a.attempts === undefined ? '' : a.attempts)),
        el('td', null, a.disputed ? 'Yes (' + text(a.disputed.via) + ', ' + clock(a.disputed.at) + ')' : 'No')
      ]);
      tr.dataset.alertId = a.id;
      return tr;
    }));
    var empty = $('alerts-empty');
    empty.textContent = s.available.alerts ? 'No alerts yet.' : 'Alerts are not served by this node.';
    empty.hidden = list.length > 0;
  }

  function renderNodes() {
    var tbody = $('nodes').tBodies[0];
    var now = serverNow();
    var list = Array.from(s.nodes.values()).sort(function (a, b) { return String(a.id).localeCompare(String(b.id)); });
    tbody.replaceChildren.apply(tbody, list.map(function (n) {
      var health = n.down ? 'down' : typeof n.seenAt !== 'number' ? 'unknown' : now - n.seenAt < 2 * s.heartbeatMs ? 'healthy' : 'stale';
      var seen = el('td', null, typeof n.seenAt === 'number' ? [timeEl(n.seenAt, ago(now - n.seenAt))] : '–');
      var healthCell = el('td', null, [el('span', 'badge health-' + health, health.charAt(0).toUpperCase() + health.slice(1))]);
      healthCell.dataset.health = health;
      var tr = el('tr', null, [el('td', null, text(n.id)), el('td', 'num', String(n.calls === undefined ? '' : n.calls)), seen, healthCell]);
      tr.dataset.nodeId = n.id;
      return tr;
    }));
    var empty = $('nodes-empty');
    empty.textContent = s.available.nodes ? 'No nodes reported.' : 'The node list is not served by this node.';
    empty.hidden = list.length > 0;
  }

  // ---- formatting (all return strings or nodes built with textContent) ----

  function el(tag, cls, children) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (typeof children === 'string') e.textContent = children;
    else if (Array.isArray(children)) e.append.apply(e, children);
    else if (children) e.append(children);
    return e;
  }
  function text(v) { return v === undefined || v === null ? '' : String(v); }
  function shortId(id) { id = text(id); return id.length > 8 ? id.slice(0, 8) : id; }
  // The API masks already (each module its own way, e.g. +4477****0123), so a masked value is shown
  // as it is; one with no mask at all is masked here to keep a full number off the wall screen.
  function mask(v) {
    v = text(v);
    if (v.indexOf('*') >= 0) return v;
    if (v.length <= 4) return v.replace(/[0-9]/g, '*');
    var keep = v.charAt(0) === '+' ? 3 : 2;
    return v.slice(0, keep) + '*'.repeat(Math.max(1, v.length - keep - 2)) + v.slice(-2);
  }
  function level(v) { v = text(v).toLowerCase(); return /^[a-z]+$/.test(v) ? v : 'none'; }
  function levelText(v) { v = level(v); return v.charAt(0).toUpperCase() + v.slice(1); }
  // Colour and text: the level is readable without telling colours apart.
  function riskBadge(v) { return [el('span', 'badge risk-' + level(v), levelText(v))]; }
  function riskTd(v) { var td = el('td', null, riskBadge(v)); td.dataset.risk = level(v); return td; }
  function yesNo(yes, glyph, noGlyph) {
    var shown = el('span', null, yes ? glyph : noGlyph);
    shown.setAttribute('aria-hidden', 'true');
    return [shown, el('span', 'vh', yes ? 'Yes' : 'No')];
  }
  // The call machine is parallel: the dialog region is what an operator means by the call's state.
  function stateLabel(v) {
    if (typeof v === 'string') return v;
    if (!v || typeof v !== 'object') return '';
    var keys = Object.keys(v);
    if (keys.length === 0) return '';
    var inner = v[keys[0]];
    if (inner && typeof inner === 'object' && typeof inner.dialog === 'string') return inner.dialog;
    if (typeof inner === 'string') return keys[0] + ' · ' + inner;
    return keys[0];
  }
  function streamsText(streams) {
    if (!Array.isArray(streams)) return '';
    var codecs = [];
    var held = 0;
    streams.forEach(function (st) {
      if (st && st.codec && codecs.indexOf(st.codec) < 0) codecs.push(text(st.codec));
      if (st && st.held) held++;
    });
    return streams.length + (codecs.length ? ' · ' + codecs.join(', ') : '') + (held ? ' · ' + held + ' held' : '');
  }
  function clock(ms) {
    if (typeof ms !== 'number' || isNaN(ms)) return '';
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  }
  function timeEl(ms, label) {
    if (typeof ms !== 'number' || isNaN(ms)) return '';
    var t = el('time', null, label || clock(ms));
    t.dateTime = new Date(ms).toISOString();
    t.title = new Date(ms).toLocaleString();
    return t;
  }
  function ago(ms) {
    var sec = Math.max(0, Math.round(ms / 1000));
    if (sec < 60) return sec + ' s ago';
    if (sec < 3600) return Math.round(sec / 60) + ' min ago';
    return Math.round(sec / 3600) + ' h ago';
  }

  // ---- page state ----

  function setConn(state, label) {
    var c = $('conn');
    c.dataset.state = state;
    c.textContent = label;
  }

  function start(token) {
    stop();
    s.token = token;
    $('auth').hidden = true;
    $('views').hidden = false;
    $('forget').hidden = false;
    mark('calls'); mark('alerts'); mark('nodes');
    openStream();
    resync();
    s.timers.push(setInterval(resync, RESYNC_MS));
    // "Seen 4 s ago" and health age without any event.
    s.timers.push(setInterval(function () { mark('nodes'); }, 5000));
  }
  function stop() {
    closeStream();
    s.timers.forEach(clearInterval);
    s.timers = [];
    s.token = '';
    s.gen++;
    s.syncing = false;
    s.syncAgain = false;
    s.calls = new Map();
    s.alerts = new Map();
    s.nodes = new Map();
    s.buffered = [];
  }
  function signOut(message) {
    stop();
    forgetToken();
    setConn('idle', 'Not connected');
    $('views').hidden = true;
    $('forget').hidden = true;
    $('auth').hidden = false;
    $('alert-live').textContent = '';
    $('auth-error').textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  function init() {
    $('token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var t = $('token').value.trim();
      if (!t) { $('auth-error').textContent = 'Paste the ops API token.'; $('token').focus(); return; }
      $('auth-error').textContent = '';
      $('token').value = '';
      storeToken(t);
      start(t);
    });
    $('forget').addEventListener('click', function () { signOut(''); });
    window.addEventListener('hashchange', function () {
      var t = readHashToken();
      if (t && t !== s.token) { storeToken(t); start(t); }
    });
    var token = readHashToken();
    if (token) storeToken(token);
    else token = storedToken();
    if (token) start(token);
    else signOut('');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
`;
