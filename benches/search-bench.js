#!/usr/bin/env node
// Search benchmark: veiviser's split index beside Pagefind 1.6 (lang="nb") on the same pages.
//
//   cargo build --release && (cd tests/browser && npm ci)
//   node benches/search-bench.js 100 1000 10000 [100000]     # sizes (pages)
//   ONLY_OURS=1 node benches/search-bench.js 10000             # veiviser only
//
// Per size: generates the corpus with ../shared/bench/gen_corpus.py (deterministic), lays it out
// as a veiviser site (the five kinds of the corpus, this repository's synonyms.yaml and theme),
// builds it (wall time, peak RSS and the search stage's own time via --timings), runs Pagefind
// over the same HTML, then serves the site on loopback with gzip (Pagefind's files are served as
// the pre-compressed files they are) and, in headless Chromium with a fresh profile per query,
// measures for each query: bytes on the wire from focusing the field to the top 5 with excerpts,
// sequential round trips, and cold latency (in the page, from the field's focus to the first hit,
// as Pagefind's is taken, and with the harness's own overhead); then warm latency in one page. Also
// runs this repository's relevance set (tests/search/relevance.tsv) through both engines.
// Pagefind is installed with npm into $BENCH_WORK/peers. Scratch output: $BENCH_WORK
// (default /tmp/veiviser-search-bench). Prints a Markdown report and writes results.json.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const zlib = require('node:zlib');
const { spawnSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..');
const BROWSER_DIR = path.join(REPO, 'tests', 'browser');
const { chromium } = require(path.join(BROWSER_DIR, 'node_modules', 'playwright-core'));
const BIN = process.env.VEIVISER_BIN || path.join(REPO, 'target', 'release', 'veiviser');
const WORK = process.env.BENCH_WORK || '/tmp/veiviser-search-bench';
const SHARED_BENCH = process.env.SHARED_BENCH || path.join(REPO, '..', 'shared', 'bench');
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
// ONLY_OURS=1: veiviser alone (no Pagefind build, no relevance run), e.g. to check first-query
// bytes after a change to the search scripts.
const ONLY_OURS = process.env.ONLY_OURS === '1';
// RELEVANCE_SET=FILE: the relevance run scores this query set (the row format of
// tests/search/queries/, `id#anchor` counted by its page) instead of tests/search/relevance.tsv;
// RELEVANCE_ONLY=1 skips the corpus sizes.
const RELEVANCE_SET = process.env.RELEVANCE_SET || path.join(REPO, 'tests/search/relevance.tsv');
if (process.env.RELEVANCE_ONLY === '1') sizes.length = 0;
else if (!sizes.length) sizes.push(100, 1000, 10000);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
}

/** Runs under /usr/bin/time -v: wall seconds and peak RSS in MB. */
function timed(cmd, args) {
  const r = sh('/usr/bin/time', ['-v', cmd, ...args]);
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const seconds = wall ? (Number(wall[1] || 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3])) : NaN;
  return { seconds, rssMb: rss ? Number(rss[1]) / 1024 : NaN, stderr: r.stderr };
}

const KINDS = { rolle: 'Rolle', regel: 'Regel', takst: 'Takst', tiltak: 'Tiltak', kommune: 'Kommune' };

function prepare(n) {
  const corpus = path.join(WORK, `corpus-${n}`);
  if (!fs.existsSync(path.join(corpus, 'manifest.tsv'))) {
    sh('python3', [path.join(SHARED_BENCH, 'gen_corpus.py'), '--pages', String(n), '--out', corpus]);
  }
  const site = path.join(WORK, `site-${n}`);
  if (!fs.existsSync(path.join(site, 'veiviser.yaml'))) {
    fs.rmSync(site, { recursive: true, force: true });
    let yaml = 'title: Syntetisk kunnskapsbase\nlanguage: nb\nbase_url: https://bench.example.no\nkinds:\n';
    for (const [k, label] of Object.entries(KINDS)) yaml += `  ${k}:\n    label: ${label}\n    section: ${k}\n`;
    fs.mkdirSync(path.join(site, 'content'), { recursive: true });
    fs.writeFileSync(path.join(site, 'veiviser.yaml'), yaml);
    for (const kind of Object.keys(KINDS)) {
      const from = path.join(corpus, 'content', kind);
      const to = path.join(site, 'content', kind);
      fs.mkdirSync(to, { recursive: true });
      for (const f of fs.readdirSync(from)) {
        const text = fs.readFileSync(path.join(from, f), 'utf8')
          .replace(/^type: .*\n/m, '').replace(/^date: /m, 'updated: ');
        fs.writeFileSync(path.join(to, f), text);
      }
    }
  }
  // The repository's synonyms and theme are copied on every run, also into a site kept from an
  // earlier run (laying out the corpus is the expensive part): a kept copy measured the old
  // search scripts and synonyms after they had changed.
  fs.copyFileSync(path.join(REPO, 'synonyms.yaml'), path.join(site, 'synonyms.yaml'));
  fs.rmSync(path.join(site, 'themes'), { recursive: true, force: true });
  fs.cpSync(path.join(REPO, 'themes', 'default'), path.join(site, 'themes', 'default'), { recursive: true });
  return { corpus, site };
}

/** Queries for a generated corpus: fixed ones plus two words of every k-th page title. */
function corpusQueries(corpus) {
  const rows = fs.readFileSync(path.join(corpus, 'manifest.tsv'), 'utf8').trim().split('\n').slice(1)
    .map((l) => l.split('\t'));
  const out = ['fastlege', 'legevakt', 'taushetsplikt', 'helsesykepleier', 'egenandel klage', 'takst 1b', 'koordinator individuell plan', 'radgivende', 'sykehjemet', 'fysoterapeut'];
  const step = Math.max(1, Math.floor(rows.length / 20));
  for (let i = 0; i < rows.length && out.length < 30; i += step) {
    const words = rows[i][3].split(/[\s–,]+/).filter((w) => /\p{L}{3,}/u.test(w) && !/^(for|og|med|til|ved|i|på|av)$/i.test(w));
    if (words.length) out.push([words[0], words[words.length - 1]].filter((w, j, a) => a.indexOf(w) === j).join(' ').toLowerCase());
  }
  return out;
}

function buildOurs(site) {
  const pub = path.join(site, 'public');
  const t = timed(BIN, ['build', '--root', site, '--out', pub, '--timings']);
  const stage = /search\s+([\d.]+) ms/.exec(t.stderr);
  const files = [];
  (function walk(d) { for (const f of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, f.name); if (f.isDirectory()) walk(p); else files.push(p); } })(path.join(pub, 'search'));
  const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  return { pub, buildSeconds: t.seconds, rssMb: t.rssMb, searchStageMs: stage ? Number(stage[1]) : NaN, indexFiles: files.length, indexMb: bytes / 1048576, manifestBytes: fs.statSync(path.join(pub, 'search', 'manifest.js')).size };
}

function buildPagefind(pub) {
  const bin = path.join(WORK, 'peers', 'node_modules', '.bin', 'pagefind');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(path.join(WORK, 'peers'), { recursive: true });
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefix', path.join(WORK, 'peers'), 'pagefind@1.6']);
  }
  fs.rmSync(path.join(pub, 'pagefind'), { recursive: true, force: true });
  const t = timed(bin, ['--site', pub, '--output-subdir', 'pagefind']);
  let files = 0, bytes = 0;
  (function walk(d) { for (const f of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, f.name); if (f.isDirectory()) walk(p); else { files++; bytes += fs.statSync(p).size; } } })(path.join(pub, 'pagefind'));
  return { buildSeconds: t.seconds, rssMb: t.rssMb, indexFiles: files, indexMb: bytes / 1048576 };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.wasm': 'application/wasm' };

/** Loopback server: gzip for text, Pagefind's pre-gzipped files as they are; logs wire bytes. */
function serve(dir) {
  const log = [];
  const server = http.createServer((req, res) => {
    let rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(dir, rel);
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
    let body = fs.readFileSync(file);
    const headers = { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' };
    if (/\.(html|js|css|json|svg)$/.test(file) && /gzip/.test(req.headers['accept-encoding'] || '')) {
      body = zlib.gzipSync(body, { level: 6 });
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(200, headers);
    res.end(body);
    log.push({ path: rel, bytes: body.length, t: Date.now() });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, log, close: () => new Promise((r) => server.close(r)) })));
}

function pct(xs, p) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

async function measureOurs(browser, server, queries) {
  const bytes = [], trips = [], cold = [], coldPage = [];
  for (const q of queries) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    // In-page clock, as Pagefind's cold figure below is taken: from the field's focus (when the
    // engine starts loading) to the first hit in the list, read by a MutationObserver. The
    // harness figure (`cold`) adds Playwright's own round trips and its polling.
    await page.addInitScript(() => {
      const t = (window.__sokCold = {});
      document.addEventListener('focusin', (e) => {
        if (e.target.id === 'sokefelt' && t.focus == null) t.focus = performance.now();
      }, true);
      document.addEventListener('DOMContentLoaded', () => {
        const done = () => document.querySelector('#sok-forslag .sok-treff, #sok-forslag .sok-alle');
        new MutationObserver((_, obs) => {
          if (t.focus != null && t.shown == null && done()) { t.shown = performance.now(); obs.disconnect(); }
        }).observe(document.body, { childList: true, subtree: true });
      });
    });
    await page.goto(`${server.url}/index.html`);
    await page.waitForLoadState('networkidle');
    const before = server.log.length;
    const t0 = Date.now();
    await page.focus('#sokefelt');
    await page.fill('#sokefelt', q);
    try {
      await page.waitForFunction(() => document.querySelector('#sok-forslag .sok-treff, #sok-forslag .sok-alle'), null, { timeout: 20000 });
      await page.waitForFunction(() => !!document.querySelector('#sokefelt').dataset.sokTrips, null, { timeout: 20000 });
    } catch (e) { console.error(`ours: ${q}: ${e.message}`); }
    cold.push(Date.now() - t0);
    coldPage.push(await page.evaluate(() => window.__sokCold.shown - window.__sokCold.focus));
    await page.waitForLoadState('networkidle');
    bytes.push(server.log.slice(before).reduce((s, r) => s + r.bytes, 0));
    trips.push(1 + Number(await page.evaluate(() => document.querySelector('#sokefelt').dataset.sokTrips)));
    await ctx.close();
  }
  // Warm: one page, every query once to load its shards, then timed.
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${server.url}/index.html`);
  await page.focus('#sokefelt');
  await page.waitForFunction(() => typeof window.veiviserSearch === 'function');
  const warm = await page.evaluate(async (qs) => {
    const out = [];
    for (const q of qs) await window.veiviserSearch(q, { limit: 5 });
    for (const q of qs) { const t = performance.now(); await window.veiviserSearch(q, { limit: 5 }); out.push(performance.now() - t); }
    return out;
  }, queries);
  await ctx.close();
  return { bytes, trips, cold, coldPage, warm };
}

async function measurePagefind(browser, server, queries) {
  const bytes = [], cold = [];
  const run = async (page, q) => page.evaluate(async (q) => {
    const t = performance.now();
    window.pf = window.pf || await import('/pagefind/pagefind.js');
    const s = await window.pf.search(q);
    await Promise.all(s.results.slice(0, 5).map((r) => r.data()));
    return performance.now() - t;
  }, q);
  for (const q of queries) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${server.url}/index.html`);
    await page.waitForLoadState('networkidle');
    const before = server.log.length;
    try { cold.push(await run(page, q)); } catch (e) { console.error(`pagefind: ${q}: ${e.message}`); cold.push(NaN); }
    await page.waitForLoadState('networkidle');
    bytes.push(server.log.slice(before).reduce((s, r) => s + r.bytes, 0));
    await ctx.close();
  }
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${server.url}/index.html`);
  for (const q of queries) await run(page, q);
  const warm = [];
  for (const q of queries) warm.push(await run(page, q));
  await ctx.close();
  return { bytes, cold, warm };
}

/** Top-1 of both engines on this repository's relevance set. */
async function relevance(browser) {
  const site = path.join(WORK, 'kb');
  fs.rmSync(site, { recursive: true, force: true });
  sh(BIN, ['build', '--root', REPO, '--out', site]);
  buildPagefind(site);
  const pages = JSON.parse(fs.readFileSync(path.join(site, 'pages.json'), 'utf8')).pages;
  const byPath = new Map(pages.map((p) => [p.path, p.id]));
  const set = fs.readFileSync(RELEVANCE_SET, 'utf8').split('\n')
    .filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'));
  const engine = require(path.join(REPO, 'themes/default/static/search-engine.js'));
  const read = (rel) => engine.unscript(fs.readFileSync(path.join(site, rel), 'utf8'));
  const index = engine.open(read('search/manifest.js'), (rel) => Promise.resolve(read(rel)));
  const server = await serve(site);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/index.html`);
  const ours = {}, theirs = {};
  for (const [cat, q, expected] of set) {
    const ok = (id) => expected.split('|').map((e) => e.split('#')[0]).includes(id);
    const a = (await index.search(q, { limit: 1 })).items[0];
    const urls = await page.evaluate(async (q) => {
      window.pf = window.pf || await import('/pagefind/pagefind.js');
      const s = await window.pf.search(q);
      return Promise.all(s.results.slice(0, 1).map(async (r) => (await r.data()).url));
    }, q);
    for (const [tally, hit] of [[ours, a && ok(a.id)], [theirs, urls[0] && ok(byPath.get(urls[0].replace(/index\.html$/, '')))]]) {
      tally[cat] = tally[cat] || [0, 0];
      tally[cat][1]++;
      if (hit) tally[cat][0]++;
    }
  }
  await server.close();
  return { ours, theirs };
}

(async () => {
  fs.mkdirSync(WORK, { recursive: true });
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const results = { load, sizes: {} };
  for (const n of sizes) {
    const { corpus, site } = prepare(n);
    const queries = corpusQueries(corpus);
    const ours = buildOurs(site);
    const pf = ONLY_OURS ? {} : buildPagefind(ours.pub);
    const server = await serve(ours.pub);
    const o = await measureOurs(browser, server, queries);
    const p = ONLY_OURS ? null : await measurePagefind(browser, server, queries);
    await server.close();
    results.sizes[n] = { queries, ours: { ...ours, ...o }, pagefind: { ...pf, ...p } };
    console.error(`${n} pages done`);
  }
  results.relevance = ONLY_OURS ? null : await relevance(browser);
  await browser.close();
  fs.writeFileSync(path.join(WORK, 'results.json'), JSON.stringify(results, null, 1));
  const kb = (b) => (b / 1000).toFixed(1);
  let md = `Load average at start: ${load}. Queries per size: ${Object.values(results.sizes)[0]?.queries.length}. Relevance set: ${path.relative(REPO, RELEVANCE_SET)}.\n\n`;
  md += '| pages | engine | first query p50 / p95 (kB) | round trips (max) | cold in page p50 / p95 (ms) | cold with harness p50 / p95 (ms) | warm p50 / p95 (ms) | build (s) | peak RSS (MB) | index files | index (MB) |\n|---|---|---|---|---|---|---|---|---|---|---|\n';
  for (const [n, r] of Object.entries(results.sizes)) {
    const o = r.ours, p = r.pagefind;
    md += `| ${n} | veiviser | ${kb(pct(o.bytes, 0.5))} / ${kb(pct(o.bytes, 0.95))} | ${Math.max(...o.trips)} | ${pct(o.coldPage, 0.5).toFixed(0)} / ${pct(o.coldPage, 0.95).toFixed(0)} | ${pct(o.cold, 0.5)} / ${pct(o.cold, 0.95)} | ${pct(o.warm, 0.5).toFixed(1)} / ${pct(o.warm, 0.95).toFixed(1)} | ${o.buildSeconds.toFixed(1)} (search stage ${(o.searchStageMs / 1000).toFixed(1)}) | ${o.rssMb.toFixed(0)} | ${o.indexFiles} | ${o.indexMb.toFixed(1)} |\n`;
    if (!p.bytes) continue;
    md += `| ${n} | Pagefind 1.6 | ${kb(pct(p.bytes, 0.5))} / ${kb(pct(p.bytes, 0.95))} | – | ${pct(p.cold, 0.5).toFixed(0)} / ${pct(p.cold, 0.95).toFixed(0)} | – | ${pct(p.warm, 0.5).toFixed(1)} / ${pct(p.warm, 0.95).toFixed(1)} | ${p.buildSeconds.toFixed(1)} | ${p.rssMb.toFixed(0)} | ${p.indexFiles} | ${p.indexMb.toFixed(1)} |\n`;
  }
  const rel = results.relevance;
  if (!rel) { console.log(md); return; }
  md += '\n| relevance (top-1) | veiviser | Pagefind 1.6 |\n|---|---|---|\n';
  const total = (t) => Object.values(t).reduce((a, v) => [a[0] + v[0], a[1] + v[1]], [0, 0]);
  for (const cat of Object.keys(rel.ours)) md += `| ${cat} | ${rel.ours[cat][0]}/${rel.ours[cat][1]} | ${rel.theirs[cat][0]}/${rel.theirs[cat][1]} |\n`;
  const to = total(rel.ours), tp = total(rel.theirs);
  md += `| **all** | **${to[0]}/${to[1]} = ${(to[0] / to[1]).toFixed(3)}** | **${tp[0]}/${tp[1]} = ${(tp[0] / tp[1]).toFixed(3)}** |\n`;
  console.log(md);
})().catch((e) => { console.error(e); process.exit(1); });
