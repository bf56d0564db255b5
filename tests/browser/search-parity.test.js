// Parity: the browser's search engine as the site ships it (the built site's minified
// assets/search-engine.<hash>.js, from themes/default/static/search-engine.js), run under node over
// the built index, returns the same top 5 — ids, URLs and scores — as `veiviser search --json` for
// the whole relevance set, and its analyser stems every indexed word as the Rust side did.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { REPO, BIN, buildSite } = require('./lib');
// One build for both tests; the engine is the minified script of that build.
const SITE = buildSite();
const ENGINE_FILE = fs.readdirSync(path.join(SITE, 'assets')).find((f) => /^search-engine\.[0-9a-f]{8}\.js$/.test(f));
const engine = require(path.join(SITE, 'assets', ENGINE_FILE));

const run = promisify(execFile);

function relevanceQueries() {
  return fs.readFileSync(path.join(REPO, 'tests/search/relevance.tsv'), 'utf8')
    .split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t')[1]);
}

/// The queries (second column) of the query sets of tests/search/queries (issue 14).
function querySets() {
  const dir = path.join(REPO, 'tests/search/queries');
  return ['tuning.tsv', 'heldout.tsv', 'heldout-2.tsv', 'heldout-3.tsv', 'heldout-4.tsv', 'heldout-5.tsv', 'heldout-6.tsv'].flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8')
    .split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t')[1]));
}

function openIndex(out) {
  const read = (rel) => engine.unscript(fs.readFileSync(path.join(out, rel), 'utf8'));
  return { index: engine.open(read('search/manifest.js'), (rel) => Promise.resolve(read(rel))), read };
}

test('the browser engine ranks the relevance set and the query sets exactly like `veiviser search`', async () => {
  const out = SITE;
  const { index } = openIndex(out);
  const base = 'https://kunnskapsbase.example.no/';
  const queries = relevanceQueries().concat(querySets(), ['L 40', 'takst14', '08 07 04', 'dialog møte', '"rett til"', 'takst', 'radgivende', 'sykmelding ', 'fysoterapeut', '§', 'i og på', '***', 'abcdefghij'.repeat(7)]);
  const mismatches = [];
  // Two CLI processes at a time: each compiles the site in memory.
  for (let i = 0; i < queries.length; i += 2) {
    await Promise.all(queries.slice(i, i + 2).map(async (q) => {
      const { stdout } = await run(BIN, ['search', q, '--json', '--limit', '5', '--root', REPO], { maxBuffer: 1 << 24 });
      const cli = JSON.parse(stdout).map((r) => `${r.id} ${r.url} ${r.score}`);
      const js = (await index.search(q, { limit: 5 })).items
        .map((r) => `${r.id} ${base}${r.path}${r.anchor ? '#' + r.anchor : ''} ${r.score}`);
      if (JSON.stringify(cli) !== JSON.stringify(js)) mismatches.push({ q, cli, js });
    }));
  }
  assert.deepStrictEqual(mismatches, [], `${mismatches.length} of ${queries.length} queries differ`);
  // Nothing indexable typed is no hit (a blank query, browsing by filter, lists every page).
  assert.strictEqual((await index.search('***', { limit: 5 })).items.length, 0);
  assert.ok((await index.search(' ', { limit: 5 })).items.length > 0);
});

test('the browser analyser stems every indexed word as Rust did', () => {
  const out = SITE;
  const { read } = openIndex(out);
  const manifest = read('search/manifest.js');
  const idx = engine.open(manifest, () => Promise.reject(new Error('unused')));
  const bad = [];
  let words = 0;
  const dir = path.join(out, 'search/t');
  for (const group of fs.readdirSync(dir)) {
    for (const file of fs.readdirSync(path.join(dir, group))) {
      for (const e of idx.decodeShard(read(`search/t/${group}/${file}`))) {
        if (e.key.startsWith('=')) continue;
        words++;
        const stem = idx.an.stem(e.key);
        if (stem !== e.stem) bad.push(`${e.key}: rust ${e.stem}, js ${stem}`);
      }
    }
  }
  // The repository's site has ~4,800 indexed words since citations left the running text.
  assert.ok(words > 4000, `only ${words} words`);
  assert.deepStrictEqual(bad.slice(0, 20), []);
});
