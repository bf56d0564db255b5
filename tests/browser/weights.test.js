// Page-weight budget: every content page of the repository's site, with the CSS and JS it
// references (search index excluded), stays under 60 KB uncompressed. The figures are printed as
// test diagnostics; `node page-weights.js DIR` prints the same report for any built site.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { buildSite } = require('./lib');
const { BUDGET, measure, report } = require('./page-weights');

test('content pages stay under the page-weight budget', (t) => {
  const rows = measure(buildSite());
  for (const line of report(rows).split('\n')) t.diagnostic(line);
  const content = rows.filter((r) => r.content);
  assert.ok(content.length > 100, `measured ${content.length} content pages`);
  assert.ok(content.every((r) => r.css > 0), 'every content page references the stylesheet');
  const over = content.filter((r) => r.total > BUDGET).map((r) => `${r.page}: ${r.total} bytes`);
  assert.deepStrictEqual(over, [], `pages over ${BUDGET} bytes`);
});
