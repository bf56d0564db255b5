// The repository's own site, built once per test file, and the pages the theme tests visit:
// the home page, every kind index, one page of every kind, a tag page, the tag index, the
// search page, the list of changes and the 404 page. Derived from the built `pages.json`, so new kinds are covered
// without touching the tests.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { buildSite } = require('./lib');

/** Builds the repository's site and lists the pages to visit as `{ name, path, status }`. */
function repositorySite() {
  const out = buildSite();
  const entries = JSON.parse(fs.readFileSync(path.join(out, 'pages.json'), 'utf8')).pages;
  const pages = [{ name: 'forside', path: '/', status: 200 }];
  const seenKinds = new Set();
  for (const e of entries) {
    if (!e.kind || seenKinds.has(e.kind)) continue;
    seenKinds.add(e.kind);
    const section = e.path.split('/')[1];
    pages.push({ name: `indeks-${e.kind}`, path: `/${section}/`, status: 200 });
    // The page of the kind with the most relations shows the most of the theme.
    const ofKind = entries.filter((x) => x.kind === e.kind);
    const richest = ofKind
      .map((x) => ({ x, size: fs.statSync(path.join(out, x.path, 'index.html')).size }))
      .sort((a, b) => b.size - a.size)[0].x;
    pages.push({ name: `side-${e.kind}`, path: richest.path, status: 200 });
  }
  const tags = fs.readdirSync(path.join(out, 'emner'), { withFileTypes: true }).filter((d) => d.isDirectory());
  pages.push({ name: 'emner', path: '/emner/', status: 200 });
  if (tags.length) pages.push({ name: 'emne', path: `/emner/${tags[0].name}/`, status: 200 });
  pages.push({ name: 'sok', path: '/sok/', status: 200 });
  pages.push({ name: 'endringer', path: '/endringer/', status: 200 });
  pages.push({ name: '404', path: '/finnes-ikke/', status: 404 });
  return { out, entries, pages };
}

module.exports = { repositorySite };
