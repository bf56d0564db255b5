#!/usr/bin/env node
// Page weights of a built site: for every HTML page, the bytes of the page plus the stylesheets and
// scripts it references (uncompressed; the search index, fetched only when someone searches, is
// not counted). Content pages (those in pages.json) must stay under the budget.
//
//   node tests/browser/page-weights.js [SITE_DIR]     (default: target/ci-site)
//
// Prints a summary and the heaviest pages; exits 1 when a content page is over budget.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** The budget for one content page's HTML + CSS + JS, in bytes (60 KB). */
const BUDGET = 60 * 1000;

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
    const sizes = { css: 0, js: 0 };
    for (const ref of new Set(assetRefs(html))) {
      const clean = decodeURI(ref.split(/[?#]/)[0]);
      // The 404 page is served at any depth, so it links from the site root.
      const target = clean.startsWith('/') ? path.join(dir, clean) : path.resolve(path.dirname(file), clean);
      if (!target.startsWith(dir) || !fs.existsSync(target)) throw new Error(`${rel}: missing asset ${ref}`);
      sizes[target.endsWith('.css') ? 'css' : 'js'] += fs.statSync(target).size;
    }
    const htmlBytes = Buffer.byteLength(html);
    return { page, html: htmlBytes, css: sizes.css, js: sizes.js, total: htmlBytes + sizes.css + sizes.js, content: contentPaths.has(page) };
  });
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

function report(rows) {
  const content = rows.filter((r) => r.content).sort((a, b) => a.total - b.total);
  const median = content[Math.floor(content.length / 2)];
  const lines = [
    `content pages: ${content.length}; HTML + CSS + JS per page: smallest ${kb(content[0].total)}, median ${kb(median.total)}, largest ${kb(content[content.length - 1].total)} (budget ${kb(BUDGET)})`,
    'heaviest pages (all kinds):',
    ...rows
      .sort((a, b) => b.total - a.total)
      .slice(0, 8)
      .map((r) => `  ${kb(r.total).padStart(9)}  html ${kb(r.html).padStart(8)}  css ${kb(r.css)}  js ${kb(r.js)}  ${r.page}${r.content ? '' : ' (not a content page)'}`),
  ];
  return lines.join('\n');
}

module.exports = { BUDGET, measure, report };

if (require.main === module) {
  const dir = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'target', 'ci-site'));
  const rows = measure(dir);
  console.log(report(rows));
  const over = rows.filter((r) => r.content && r.total > BUDGET);
  if (over.length) {
    console.error(`over budget: ${over.map((r) => `${r.page} ${kb(r.total)}`).join(', ')}`);
    process.exit(1);
  }
}
