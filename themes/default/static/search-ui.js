/* veiviser search UI: results as you type under the header field on every page, and the full
 * result page /sok/ (filters with counts, "?q=" links). Loaded only when a search field gets
 * focus (see templates/partials/search-boot.html), together with the engine and the manifest.
 * Over http(s) the engine runs in a worker made from its own source; from file:// it runs here
 * and loads shards with injected <script> elements. Everything readers see is Norwegian. */
(function () {
  'use strict';
  var d = document, w = window;
  var boot = d.querySelector('[data-sok-root]');
  if (!boot || w.veiviserSearchUi) return;
  var root = boot.getAttribute('data-sok-root');
  var fileMode = location.protocol === 'file:';
  var base = new URL(root, location.href).href;
  var seq = 0, pending = {}, engine = null, manifest = null;

  // ---- the engine: worker over http(s), in page from file:// ------------------------------
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = d.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error('kunne ikke laste ' + src)); };
      d.head.appendChild(s);
    });
  }
  function scriptLoader() {
    var waiting = {};
    var loaded = w.veiviser_loaded || {};
    w.veiviser_load = function (name, value) {
      loaded[name] = value;
      (waiting[name] || []).forEach(function (f) { f(value); });
      delete waiting[name];
    };
    return function (path) {
      var name = path.replace(/^search\/(t|x)\/[^/]+\/(\d+)\.js$/, '$1$2');
      if (loaded[name]) return Promise.resolve(loaded[name]);
      var first = !waiting[name];
      return new Promise(function (resolve, reject) {
        (waiting[name] = waiting[name] || []).push(resolve);
        if (first) loadScript(base + path).catch(reject);
      });
    };
  }
  function start(m) {
    manifest = m;
    var worker = null;
    if (!fileMode && w.Worker && w.Blob && w.veiviserEngine) {
      try {
        var src = '(' + w.veiviserEngine.toString() + ')(self).serveWorker(self);';
        worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
        worker.postMessage({ type: 'init', manifest: m, base: base });
        worker.onmessage = function (ev) {
          var p = pending[ev.data.id];
          if (!p) return;
          delete pending[ev.data.id];
          if (ev.data.type === 'result') p.resolve(ev.data.result); else p.reject(new Error(ev.data.error));
        };
      } catch (e) { worker = null; }
    }
    if (worker) {
      engine = function (q, options) {
        var id = ++seq;
        return new Promise(function (resolve, reject) {
          pending[id] = { resolve: resolve, reject: reject };
          worker.postMessage({ type: 'search', id: id, q: q, options: options });
        });
      };
    } else {
      var index = w.VeiviserEngine.open(m, scriptLoader());
      engine = function (q, options) {
        var t0 = Date.now();
        return index.search(q, options).then(function (r) { r.ms = Date.now() - t0; return r; });
      };
    }
    w.veiviserSearch = engine;
    readyCallbacks.forEach(function (f) { f(); });
  }
  var readyCallbacks = [];
  function ready(f) { if (engine) f(); else readyCallbacks.push(f); }
  function waitForManifest() {
    var loaded = w.veiviser_loaded || {};
    if (loaded.manifest && w.VeiviserEngine) { start(loaded.manifest); return; }
    setTimeout(waitForManifest, 10);
  }

  // ---- rendering ------------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function href(item) {
    return root + item.path + (fileMode ? 'index.html' : '') + (item.anchor ? '#' + item.anchor : '');
  }
  function excerpt(segments) {
    var p = el('span', 'sok-utdrag');
    segments.forEach(function (s) { p.appendChild(s[1] ? el('mark', null, s[0]) : d.createTextNode(s[0])); });
    return p;
  }
  function resultLink(item, id) {
    var a = el('a', 'sok-treff');
    a.href = href(item);
    if (id) { a.id = id; a.setAttribute('role', 'option'); }
    var head = el('span', 'sok-topp');
    head.appendChild(el('span', 'kind-badge', item.kindLabel));
    head.appendChild(el('span', 'sok-tittel', item.title));
    if (item.section) head.appendChild(el('span', 'sok-seksjon', '› ' + item.section));
    a.appendChild(head);
    if (item.excerpt.length) a.appendChild(excerpt(item.excerpt));
    return a;
  }
  function countText(n) { return n === 0 ? 'Ingen treff' : n === 1 ? '1 treff' : n + ' treff'; }
  // The words of the query no page holds: the results are the best partial matches.
  function missingText(r) {
    return r.missing && r.missing.length ? 'Fant ikke: ' + r.missing.join(', ') + '.' : '';
  }

  // ---- the header field: results as you type --------------------------------------------
  function attachDropdown(input) {
    var list = el('div', 'sok-forslag');
    list.id = 'sok-forslag';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Søkeresultater');
    list.hidden = true;
    var status = el('div', 'visually-hidden');
    status.setAttribute('aria-live', 'polite');
    status.setAttribute('role', 'status');
    input.form.appendChild(list);
    input.form.appendChild(status);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');
    var active = -1, last = null, timer = null;
    function options() { return list.querySelectorAll('[role=option]'); }
    function setActive(i) {
      var o = options();
      if (!o.length) return;
      active = (i + o.length) % o.length;
      o.forEach(function (x, j) { x.setAttribute('aria-selected', j === active ? 'true' : 'false'); });
      input.setAttribute('aria-activedescendant', o[active].id);
      o[active].scrollIntoView({ block: 'nearest' });
    }
    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }
    function show(q, r) {
      list.textContent = '';
      active = -1;
      r.items.forEach(function (item, i) { list.appendChild(resultLink(item, 'sok-valg-' + i)); });
      var more = el('a', 'sok-alle', r.total > r.items.length ? 'Vis alle ' + r.total + ' treff' : 'Åpne søkesiden');
      more.href = root + 'sok/' + (fileMode ? 'index.html' : '') + '?q=' + encodeURIComponent(q);
      list.appendChild(more);
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      status.textContent = countText(r.total) + (r.items.length ? '. Bruk piltastene for å velge.' : '.') +
        (missingText(r) ? ' ' + missingText(r) : '');
    }
    function run() {
      var q = input.value;
      if (!q.trim()) { close(); last = null; return; }
      if (q === last) return;
      last = q;
      ready(function () {
        engine(q, { limit: 6 }).then(function (r) {
          if (input.value === q) { show(q, r); input.dataset.sokMs = r.ms; input.dataset.sokTrips = r.trips; }
        }, function (e) { status.textContent = 'Søket feilet: ' + e.message; });
      });
    }
    input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 40); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); if (list.hidden) run(); setActive(active + 1); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); setActive(active - 1); }
      else if (e.key === 'Escape') { close(); }
      else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); location.href = options()[active].href; }
    });
    input.addEventListener('blur', function () { setTimeout(function () { if (!input.form.contains(d.activeElement)) close(); }, 150); });
    input.addEventListener('focus', function () { if (input.value.trim() && list.childNodes.length) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); } });
    if (input.value.trim()) run();
  }

  // ---- the search page /sok/ ----------------------------------------------------------------
  function attachPage(input, out) {
    var params = new URLSearchParams(location.search);
    var state = { q: params.get('q') || '', kind: params.get('type') || null, filters: {}, limit: 20 };
    var az = d.querySelector('.az');
    ready(function () {
      manifest.filters.forEach(function (f) { if (params.get(f.name)) state.filters[f.name] = params.get(f.name); });
      input.value = state.q;
      render();
    });
    function options() {
      var filters = [];
      manifest.filters.forEach(function (f, i) {
        var v = f.values.indexOf(state.filters[f.name]);
        if (v >= 0) filters.push([i, v]);
      });
      return { limit: state.limit, kind: state.kind, filters: filters };
    }
    function sync() {
      var p = new URLSearchParams();
      if (state.q) p.set('q', state.q);
      if (state.kind) p.set('type', state.kind);
      Object.keys(state.filters).forEach(function (k) { if (state.filters[k]) p.set(k, state.filters[k]); });
      var s = p.toString();
      history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
    }
    function facet(label, items, selected, onPick) {
      var g = el('div', 'sok-filter');
      g.setAttribute('role', 'group');
      g.setAttribute('aria-label', label);
      g.appendChild(el('span', 'sok-filter-navn', label + ':'));
      items.forEach(function (it) {
        if (!it.count && it.value !== selected) return;
        var b = el('button', 'sok-valg', it.label + ' (' + it.count + ')');
        b.type = 'button';
        b.setAttribute('aria-pressed', it.value === selected ? 'true' : 'false');
        b.addEventListener('click', function () { onPick(it.value === selected ? null : it.value); });
        g.appendChild(b);
      });
      return g;
    }
    function render() {
      var browsing = !state.q.trim();
      var anyFilter = state.kind || Object.keys(state.filters).some(function (k) { return state.filters[k]; });
      sync();
      if (browsing && !anyFilter) { out.textContent = ''; if (az) az.hidden = false; return; }
      engine(state.q, options()).then(function (r) {
        if (az) az.hidden = true;
        out.textContent = '';
        var head = el('p', 'sok-antall', countText(r.total) + (browsing ? '' : ' for «' + state.q + '»'));
        out.appendChild(head);
        if (missingText(r)) out.appendChild(el('p', 'sok-mangler', missingText(r)));
        out.appendChild(facet('Type', manifest.kinds.map(function (k, i) {
          return { value: k[0], label: k[2], count: r.kindCounts[i] };
        }), state.kind, function (v) { state.kind = v; state.limit = 20; render(); }));
        manifest.filters.forEach(function (f, i) {
          out.appendChild(facet(f.label, f.values.map(function (v, j) {
            return { value: v, label: v, count: r.filterCounts[i][j] };
          }), state.filters[f.name] || null, function (v) { state.filters[f.name] = v; state.limit = 20; render(); }));
        });
        var ol = el('ol', 'sok-liste');
        r.items.forEach(function (item) { var li = el('li'); li.appendChild(resultLink(item)); ol.appendChild(li); });
        out.appendChild(ol);
        if (r.total > r.items.length) {
          var more = el('button', 'sok-flere', 'Vis flere');
          more.type = 'button';
          more.addEventListener('click', function () { state.limit += 20; render(); });
          out.appendChild(more);
        }
      }, function (e) { out.textContent = 'Søket feilet: ' + e.message; });
    }
    var timer = null;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = input.value; state.limit = 20; render(); }, 60);
    });
    input.form.addEventListener('submit', function (e) { e.preventDefault(); state.q = input.value; render(); });
  }

  w.veiviserSearchUi = true;
  var header = d.getElementById('sokefelt');
  if (header) attachDropdown(header);
  var pageInput = d.getElementById('sok-q'), pageOut = d.getElementById('sok-resultater');
  if (pageInput && pageOut) attachPage(pageInput, pageOut);
  waitForManifest();
})();
