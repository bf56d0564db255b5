// Accessibility of the default theme on the repository's own site, in real Chromium: axe-core
// finds no WCAG 2.1 A/AA violations in light and dark mode, headings and landmarks are in order,
// nothing comes from another host, no console errors, the layout reflows at 320 px, and
// screenshots at 390 and 1280 px are kept as CI artefacts.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { AxeBuilder } = require('@axe-core/playwright');
const { serveStatic, launch, strictPage, screenshot } = require('./lib');
const { repositorySite } = require('./site');

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let site;
let server;
let browser;

test.before(async () => {
  site = repositorySite();
  server = await serveStatic(site.out);
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens `p` in a strict page; returns the page and every request URL it made. */
async function open(p, options = {}) {
  const page = await strictPage(browser, options);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const response = await page.goto(server.url + p.path);
  assert.strictEqual(response.status(), p.status, `${p.path}: HTTP status`);
  return { page, requests };
}

/** Console errors except the one Chromium logs for a document served with status 404. */
function realErrors(page, p) {
  return page.consoleErrors.filter((e) => !(p.status === 404 && /status of 404/.test(e)));
}

function describeViolations(violations) {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`)
    .join('\n');
}

test('axe finds no WCAG 2.1 A/AA violations, light and dark, on every kind of page', async () => {
  assert.ok(site.pages.length >= 12, `pages to check: ${site.pages.map((p) => p.path)}`);
  const failures = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const p of site.pages) {
      const { page } = await open(p, { colorScheme });
      // Dark mode changes only colours, so it is checked for contrast alone (axe is slow).
      const builder = new AxeBuilder({ page }).withTags(AXE_TAGS);
      if (colorScheme === 'dark') builder.withRules(['color-contrast']);
      const result = await builder.analyze();
      if (result.violations.length) failures.push(`${p.path} [${colorScheme}]\n${describeViolations(result.violations)}`);
      // Guard against an axe run that checked nothing.
      const minimum = colorScheme === 'dark' ? 1 : 10;
      assert.ok(result.passes.length >= minimum, `${p.path}: axe ran only ${result.passes.length} passing rules`);
      assert.deepStrictEqual(realErrors(page, p), [], `${p.path}: console errors`);
      await page.context().close();
    }
  }
  assert.strictEqual(failures.join('\n\n'), '', 'axe violations');
});

test('one h1, no skipped heading levels, one of each landmark', async () => {
  for (const p of site.pages) {
    const { page } = await open(p);
    const levels = await page.$$eval('h1, h2, h3, h4, h5, h6', (hs) => hs.map((h) => Number(h.tagName[1])));
    assert.strictEqual(levels.filter((l) => l === 1).length, 1, `${p.path}: exactly one h1 (${levels})`);
    assert.strictEqual(levels[0], 1, `${p.path}: the first heading is the h1`);
    for (let i = 1; i < levels.length; i++) {
      assert.ok(levels[i] <= levels[i - 1] + 1, `${p.path}: h${levels[i - 1]} is followed by h${levels[i]}`);
    }
    const count = (sel) => page.locator(sel).count();
    assert.strictEqual(await count('main#innhold'), 1, `${p.path}: one main`);
    assert.strictEqual(await count('body > header'), 1, `${p.path}: one banner`);
    assert.strictEqual(await count('body > footer'), 1, `${p.path}: one contentinfo`);
    assert.strictEqual(await count('form[role=search] #sokefelt'), 1, `${p.path}: the header search`);
    const unnamedNav = await page.$$eval('nav', (ns) => ns.filter((n) => !n.getAttribute('aria-label') && !n.getAttribute('aria-labelledby')).length);
    assert.strictEqual(unnamedNav, 0, `${p.path}: every nav is named`);
    await page.context().close();
  }
});

test('nothing is loaded from another host and no web fonts are used', async () => {
  for (const p of site.pages) {
    const { page, requests } = await open(p);
    await page.waitForLoadState('networkidle');
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:'));
    assert.deepStrictEqual(foreign, [], `${p.path}: requests to other hosts`);
    assert.deepStrictEqual(requests.filter((u) => /\.(woff2?|ttf|otf)(\?|$)/.test(u)), [], `${p.path}: font files`);
    const fontFaces = await page.evaluate(() => document.fonts.size);
    assert.strictEqual(fontFaces, 0, `${p.path}: @font-face rules`);
    await page.context().close();
  }
});

test('every page reflows at 320 px without sideways scrolling', async () => {
  const paths = [...new Set([...site.pages.map((p) => p.path), ...site.entries.map((e) => e.path)])];
  const page = await strictPage(browser, { viewport: { width: 320, height: 640 } });
  const tooWide = [];
  for (const p of paths) {
    await page.goto(server.url + p);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 320) tooWide.push(`${p}: ${width} px`);
  }
  await page.context().close();
  assert.ok(paths.length > 100, `checked ${paths.length} pages`);
  assert.deepStrictEqual(tooWide, [], 'pages wider than a 320 px viewport');
});

test('screenshots at 390 and 1280 px (CI artefacts)', async () => {
  const shots = site.pages.filter((p) => ['forside', 'indeks-tiltak', 'side-rolle', 'side-takst', 'sok', '404'].includes(p.name));
  assert.ok(shots.length >= 5, shots.map((p) => p.name).join());
  for (const width of [390, 1280]) {
    for (const p of shots) {
      const { page } = await open(p, { viewport: { width, height: 900 } });
      await screenshot(page, `${p.name}-${width}`);
      await page.context().close();
    }
  }
  const rolle = site.pages.find((p) => p.name === 'side-rolle');
  const { page } = await open(rolle, { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  await screenshot(page, 'side-rolle-1280-mork');
  await page.context().close();
});
