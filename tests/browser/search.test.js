// Search in real Chromium: nothing search-related loads before the field gets focus; typing shows
// the expected first result over HTTP (engine in a worker) and from file:// (engine in the page,
// shards by <script>); the keyboard works; /sok/?q= opens with results and filters with counts.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { buildSite, serveStatic, launch, strictPage, screenshot } = require('./lib');

const SEARCH_FILE = /\/search\/|search[-.]/;

async function typeAndWait(page, text, expected) {
  await page.fill('#sokefelt', text);
  await page.waitForFunction(
    (want) => { const t = document.querySelector('#sok-forslag .sok-tittel'); return t && t.textContent.startsWith(want); },
    expected, { timeout: 15000 },
  );
}

test('search over HTTP: lazy, as you type, keyboard, search page', async () => {
  const out = buildSite();
  const server = await serveStatic(out);
  const browser = await launch();
  try {
    const page = await strictPage(browser);
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/roller/fastlege/`);
    await page.waitForLoadState('networkidle');
    assert.deepStrictEqual(requested.filter((p) => SEARCH_FILE.test(p)), [], 'search files loaded before focus');
    // "/" focuses the field and starts loading.
    await page.keyboard.press('/');
    assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'sokefelt');
    await typeAndWait(page, 'L8', 'Takst L8');
    assert.strictEqual(await page.getAttribute('#sokefelt', 'aria-expanded'), 'true');
    assert.match(await page.textContent('[role=status]'), /treff/);
    assert.ok(await page.$('#sok-forslag mark'), 'the excerpt highlights the match');
    // A section deep link: arrows and Enter open the result.
    await typeAndWait(page, 'dialogmøte uke 7', 'Dialogmøte 1');
    await page.keyboard.press('ArrowDown');
    assert.strictEqual(await page.getAttribute('#sokefelt', 'aria-activedescendant'), 'sok-valg-0');
    await Promise.all([page.waitForURL(/\/regler\/dialogmote-1\//), page.keyboard.press('Enter')]);
    // The search page opens with results for ?q= and offers filters with counts.
    await page.goto(`${server.url}/sok/?q=${encodeURIComponent('rådgivende lege')}`);
    await page.waitForSelector('#sok-resultater .sok-liste .sok-tittel', { timeout: 15000 });
    assert.strictEqual(await page.inputValue('#sok-q'), 'rådgivende lege');
    assert.match(await page.textContent('#sok-resultater .sok-antall'), /\d+ treff/);
    assert.ok(await page.isHidden('.az'), 'the A–Å list gives way to results');
    await page.click('.sok-filter button:has-text("Tiltak")');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('type') === 'tiltak');
    await page.waitForFunction(() => document.querySelectorAll('.kind-badge').length > 0 && Array.from(document.querySelectorAll('.sok-liste .kind-badge')).every((b) => b.textContent === 'Tiltak'));
    await screenshot(page, 'search-page');
    // Issue 14: partial matches are shown, with the words no page holds named.
    await page.goto(`${server.url}/sok/?q=${encodeURIComponent('L40 xyzzyq')}`);
    await page.waitForSelector('#sok-resultater .sok-liste .sok-tittel', { timeout: 15000 });
    assert.match(await page.textContent('#sok-resultater .sok-liste .sok-tittel'), /L40/);
    assert.strictEqual(await page.textContent('#sok-resultater .sok-mangler'), 'Fant ikke: xyzzyq.');
    assert.deepStrictEqual(page.consoleErrors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test('search works from file:// with classic scripts only', async () => {
  const out = buildSite();
  const browser = await launch();
  try {
    const page = await strictPage(browser);
    const requested = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto('file://' + path.join(out, 'takster', 'l40', 'index.html'));
    assert.deepStrictEqual(requested.filter((u) => SEARCH_FILE.test(u)), []);
    await page.focus('#sokefelt');
    await typeAndWait(page, 'syfo', 'Syfo-veileder');
    await typeAndWait(page, 'smagrupper', 'Smågrupper for fastleger');
    const href = await page.getAttribute('#sok-forslag a.sok-treff', 'href');
    assert.match(href, /index\.html/, 'links open the page itself from disk');
    assert.ok(requested.some((u) => u.includes('/search/t/')), 'shards came by <script>');
    assert.deepStrictEqual(page.consoleErrors, []);
  } finally {
    await browser.close();
  }
});
