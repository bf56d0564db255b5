// Page-weight budgets: every content page of the repository's site, with the CSS and JS it
// references (search index excluded), stays under 60 KB uncompressed up to its source notes and
// under 30 KB gzip-compressed whole (page-weights.js says why two budgets). The figures are printed as
// test diagnostics; `node page-weights.js DIR` prints the same report for any built site.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { buildSite } = require('./lib');
const { measure, report, overBudget } = require('./page-weights');

test('content pages stay under the page-weight budget', (t) => {
  const rows = measure(buildSite());
  for (const line of report(rows).split('\n')) t.diagnostic(line);
  const content = rows.filter((r) => r.content);
  assert.ok(content.length > 100, `measured ${content.length} content pages`);
  assert.ok(content.every((r) => r.css > 0), 'every content page references the stylesheet');
  assert.ok(content.some((r) => r.notes > 0), 'the notes of cited pages are measured apart');
  assert.deepStrictEqual(overBudget(rows), [], 'pages over a budget');
});
