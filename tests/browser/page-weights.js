#!/usr/bin/env node
// Page weights of a built site: for every HTML page, the bytes of the page plus the stylesheets and
// scripts it references (the search index, fetched only when someone searches, is not counted).
// Content pages (those in pages.json) must stay under two budgets:
// - reading weight: the HTML up to the source notes (the quotations of `<section id="kilder">`
//   at the end of the page, which a browser renders after the text) plus CSS and JS,
//   uncompressed — what arrives before the reader has the whole text;
// - transfer weight: the whole page, CSS and JS compressed with gzip — what crosses the wire from
//   a server that compresses (docs/deploy.md configures it).
// The notes were added by issue 15: a quotation per citation roughly doubles a heavily cited page,
// which a raw budget on the whole file would forbid.
//
//   node tests/browser/page-weights.js [SITE_DIR]     (default: target/ci-site)
//
// Prints a summary and the heaviest pages; exits 1 when a content page is over budget.
'use strict';

const fs = require('node:fs');
const zlib = require('node:zlib');
const path = require('node:path');

/** The reading budget for one content page's HTML (up to the notes) + CSS + JS, in bytes. */
const BUDGET = 60 * 1000;
/** The transfer budget: the whole page + CSS + JS, gzip-compressed, in bytes. */
const GZIP_BUDGET = 30 * 1000;

const gzipSize = (bytes) => zlib.gzipSync(bytes, { level: 6 }).length;

/** The HTML before the source notes section (the whole page when it has none). */
function beforeNotes(html) {
  const at = html.indexOf('<section id="kilder"');
  return at < 0 ? html : html.slice(0, at);
}

function htmlFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...htmlFiles(full));
    else if (entry.name.endsWith('.html')) out.push(full);
  }
  return out;
}

/** Local stylesheet and script URLs referenced by `html`. */
function assetRefs(html) {
  const refs = [];
  for (const tag of html.match(/<(link|script)\b[^>]*>/gi) || []) {
    const rel = /\brel="([^"]*)"/i.exec(tag)?.[1] || '';
    const href = /\b(?:href|src)="([^"]*)"/i.exec(tag)?.[1];
    if (!href || /^[a-z]+:|^\/\//i.test(href)) continue;
    if (/^<script/i.test(tag) || /\bstylesheet\b/i.test(rel) || /\bmodulepreload\b/i.test(rel)) refs.push(href);
  }
  return refs;
}

/** Measures every page of the site in `dir`: `[{ page, html, css, js, total, content }]`. */
function measure(dir) {
  const contentPaths = new Set(
    JSON.parse(fs.readFileSync(path.join(dir, 'pages.json'), 'utf8')).pages.map((e) => e.path),
  );
  return htmlFiles(dir).map((file) => {
    const rel = '/' + path.relative(dir, file).split(path.sep).join('/');
    const page = rel.replace(/index\.html$/, '');
    const html = fs.readFileSync(file, 'utf8');
    const sizes = { css: 0, js: 0, gz: gzipSize(Buffer.from(html)) };
    for (const ref of new Set(assetRefs(html))) {
      const clean = decodeURI(ref.split(/[?#]/)[0]);
      // The 404 page is served at any depth, so it links from the site root.
      const target = clean.startsWith('/') ? path.join(dir, clean) : path.resolve(path.dirname(file), clean);
      if (!target.startsWith(dir) || !fs.existsSync(target)) throw new Error(`${rel}: missing asset ${ref}`);
      const bytes = fs.readFileSync(target);
      sizes[target.endsWith('.css') ? 'css' : 'js'] += bytes.length;
      sizes.gz += gzipSize(bytes);
    }
    const htmlBytes = Buffer.byteLength(beforeNotes(html));
    const notes = Buffer.byteLength(html) - htmlBytes;
    return { page, html: htmlBytes, notes, css: sizes.css, js: sizes.js, total: htmlBytes + sizes.css + sizes.js, gzip: sizes.gz, content: contentPaths.has(page) };
  });
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

function report(rows) {
  const content = rows.filter((r) => r.content).sort((a, b) => a.total - b.total);
  const median = content[Math.floor(content.length / 2)];
  const lines = [
    `content pages: ${content.length}; HTML up to the notes + CSS + JS per page: smallest ${kb(content[0].total)}, median ${kb(median.total)}, largest ${kb(content[content.length - 1].total)} (budget ${kb(BUDGET)})`,
    `whole page + CSS + JS, gzip: largest ${kb(Math.max(...content.map((r) => r.gzip)))} (budget ${kb(GZIP_BUDGET)})`,
    'heaviest pages (all kinds):',
    ...rows
      .sort((a, b) => b.total - a.total)
      .slice(0, 8)
      .map((r) => `  ${kb(r.total).padStart(9)}  html ${kb(r.html).padStart(8)}  notes ${kb(r.notes).padStart(8)}  css ${kb(r.css)}  js ${kb(r.js)}  gzip ${kb(r.gzip)}  ${r.page}${r.content ? '' : ' (not a content page)'}`),
  ];
  return lines.join('\n');
}

/** Content pages over either budget, as `page: reading N KB` / `page: gzip N KB` lines. */
function overBudget(rows) {
  return rows
    .filter((r) => r.content)
    .flatMap((r) => [
      ...(r.total > BUDGET ? [`${r.page}: reading ${kb(r.total)}`] : []),
      ...(r.gzip > GZIP_BUDGET ? [`${r.page}: gzip ${kb(r.gzip)}`] : []),
    ]);
}

module.exports = { BUDGET, GZIP_BUDGET, measure, report, overBudget };

if (require.main === module) {
  const dir = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'target', 'ci-site'));
  const rows = measure(dir);
  console.log(report(rows));
  const over = overBudget(rows);
  if (over.length) {
    console.error(`over budget: ${over.join(', ')}`);
    process.exit(1);
  }
}
