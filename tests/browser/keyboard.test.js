// Keyboard, no-JavaScript and print behaviour of the default theme on the repository's site, in
// real Chromium: the skip link leads into the main content, Tab reaches the search field and every
// node of the relation map with a visible focus indicator, pages work with JavaScript off, and
// the print stylesheet drops navigation but keeps the sources.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { serveStatic, launch, strictPage } = require('./lib');
const { repositorySite } = require('./site');

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

const entityPage = () => site.pages.find((p) => p.name === 'side-rolle');

/** What has keyboard focus: tag, id, class and text. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return { tag: el.tagName.toLowerCase(), id: el.id, cls: el.getAttribute('class') || '', text: el.textContent.trim(), inMain: !!el.closest('main') };
});

test('the skip link comes first, is visible when focused and moves focus into the main content', async () => {
  const page = await strictPage(browser);
  await page.goto(server.url + entityPage().path);
  await page.keyboard.press('Tab');
  const first = await focused(page);
  assert.strictEqual(first.text, 'Hopp til hovedinnholdet');
  const box = await page.locator('.skip-link').boundingBox();
  assert.ok(box && box.y >= 0 && box.height > 10, `skip link on screen when focused: ${JSON.stringify(box)}`);
  await page.keyboard.press('Enter');
  assert.strictEqual((await focused(page)).id, 'innhold', 'focus moved to <main>');
  await page.keyboard.press('Tab');
  const next = await focused(page);
  assert.ok(next.inMain, `the next Tab stays in the main content: ${JSON.stringify(next)}`);
  assert.deepStrictEqual(page.consoleErrors, []);
  await page.context().close();
});

test('Tab reaches the search field; the search submits to /sok/', async () => {
  const page = await strictPage(browser);
  await page.goto(server.url + '/');
  let tabs = 0;
  while ((await focused(page)).id !== 'sokefelt' && tabs < 6) {
    await page.keyboard.press('Tab');
    tabs += 1;
  }
  assert.strictEqual((await focused(page)).id, 'sokefelt', `search field reached in ${tabs} Tabs`);
  const outline = await page.$eval('#sokefelt', (el) => getComputedStyle(el).outlineStyle);
  assert.notStrictEqual(outline, 'none', 'focused search field shows an outline');
  await page.keyboard.type('L8');
  await Promise.all([page.waitForURL(/\/sok\/\?q=L8/), page.keyboard.press('Enter')]);
  assert.strictEqual(await page.locator('#sok-q').count(), 1);
  assert.strictEqual(await page.locator('#sok-resultater').count(), 1);
  assert.deepStrictEqual(page.consoleErrors, []);
  await page.context().close();
});

test('every node of the relation map is reachable by Tab and shows focus', async () => {
  const page = await strictPage(browser);
  await page.goto(server.url + entityPage().path);
  const nodes = await page.locator('.rmap a.rmap-node').count();
  assert.ok(nodes >= 3, `relation map has ${nodes} nodes`);
  const reached = new Set();
  for (let i = 0; i < 600 && reached.size < nodes; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el.matches('a.rmap-node')) return null;
      const rect = el.querySelector('rect');
      return { href: el.getAttribute('href'), stroke: parseFloat(getComputedStyle(rect).strokeWidth) };
    });
    if (f) {
      assert.ok(f.stroke >= 3, `focused node ${f.href} has a ${f.stroke} px outline`);
      reached.add(f.href);
    }
  }
  assert.strictEqual(reached.size, nodes, 'all map nodes reached by keyboard');
  // Enter on a node follows it.
  await page.locator('.rmap a.rmap-node').first().focus();
  const href = await page.locator('.rmap a.rmap-node').first().getAttribute('href');
  await page.keyboard.press('Enter');
  await page.waitForLoadState();
  if (href.startsWith('#')) {
    assert.ok(page.url().endsWith(href), `${page.url()} ends with ${href}`);
  } else {
    assert.notStrictEqual(new URL(page.url()).pathname, entityPage().path, 'navigated away');
  }
  assert.deepStrictEqual(page.consoleErrors, []);
  await page.context().close();
});

test('pages work without JavaScript: content, relation map and the A–Å list', async () => {
  const page = await strictPage(browser, { javaScriptEnabled: false });
  await page.goto(server.url + entityPage().path);
  assert.ok(await page.locator('.rmap').isVisible(), 'relation map drawn without JavaScript');
  assert.ok(await page.locator('#relasjoner .relation-group').count() >= 2);
  await page.goto(server.url + '/sok/');
  const az = await page.locator('.az .item-list a').count();
  assert.ok(az >= site.entries.length, `A–Å list links every page (${az} of ${site.entries.length})`);
  const letters = await page.locator('.az-letters a').allTextContents();
  assert.deepStrictEqual(letters, [...new Set(letters)], 'each letter of the A–Å list once');
  await page.context().close();
});

test('print: no navigation, links as plain text, sources and the page address kept', async () => {
  const page = await strictPage(browser);
  await page.goto(server.url + entityPage().path);
  await page.emulateMedia({ media: 'print' });
  for (const sel of ['.site-header', '.breadcrumbs', '.skip-link', '.relation-map']) {
    assert.strictEqual(await page.locator(sel).first().isVisible(), false, `${sel} hidden in print`);
  }
  for (const sel of ['#kilder', '.print-url', '#relasjoner .relation-group']) {
    assert.ok(await page.locator(sel).first().isVisible(), `${sel} printed`);
  }
  const link = await page.$eval('#kilder a', (a) => ({ color: getComputedStyle(a).color, line: getComputedStyle(a).textDecorationLine }));
  assert.deepStrictEqual(link, { color: 'rgb(0, 0, 0)', line: 'none' });
  await page.context().close();
});
