// HTML validity: every page of the repository's built site, its stylesheet and its SVG icon pass
// the Nu HTML Checker (the `vnu-jar` npm package, run with the machine's Java) with no errors.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const vnuJar = require('vnu-jar');
const { buildSite } = require('./lib');

test('the built site passes the Nu HTML Checker with no errors', () => {
  const out = buildSite();
  const run = spawnSync('java', ['-Xss1024k', '-jar', String(vnuJar), '--skip-non-html', '--also-check-css', '--also-check-svg', '--errors-only', '--verbose', '--format', 'json', out], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.ifError(run.error);
  const report = JSON.parse(run.stderr);
  const errors = report.messages.filter((m) => m.type === 'error' || m.subType === 'fatal');
  const shown = errors.slice(0, 30).map((m) => `${m.url.replace(`file:${out}`, '')}:${m.lastLine}:${m.firstColumn || m.lastColumn}: ${m.message}`);
  assert.deepStrictEqual(shown, [], `${errors.length} errors from the Nu HTML Checker`);
  // Guard against a checker that looked at nothing: `--verbose` lists the files it read.
  const checked = run.stdout.split('\n').filter((l) => l.trim());
  assert.ok(checked.filter((f) => f.endsWith('.html')).length > 100, `checked ${checked.length} files`);
  assert.ok(checked.some((f) => f.endsWith('.css')), 'the stylesheet was checked');
  assert.strictEqual(run.status, 0, run.stderr.slice(0, 2000));
});
