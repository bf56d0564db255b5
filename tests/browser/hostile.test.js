// Hostile text in real Chromium: markup an editor (or a pasted source) puts in a title, a summary,
// a heading or a body, and markup a reader types into the search field or a ?q= link, is shown as
// text everywhere search shows it (suggestions, excerpts, the search page, "Fant ikke") and never
// runs. The Rust side escapes and the scripts build the DOM with textContent; this checks both
// together, in the browser that would run the script.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { buildSite, fixtureSite, serveStatic, launch, strictPage } = require('./lib');

const PAYLOAD = '<img src=x onerror="window.__xss=1">';

test('markup in pages and in queries is shown as text and never runs', async () => {
  const root = fixtureSite('valid');
  fs.writeFileSync(path.join(root, 'content', 'tiltak', 'farlig.md'), [
    '---',
    `title: 'Zqxfarlig ${PAYLOAD}'`,
    `summary: 'Oppsummering <script>window.__xss=2</script> zqxfarlig'`,
    'kommune: kommune-fredrikstad',
    'type: moteplass',
    '---',
    `## Avsnitt ${PAYLOAD}`,
    '',
    `Brødtekst zqxfarlig <svg onload="window.__xss=3"></svg> og \`${PAYLOAD}\`.`,
    '',
  ].join('\n'));
  const out = buildSite(root);
  const server = await serveStatic(out);
  const browser = await launch();
  try {
    const page = await strictPage(browser);
    // The page itself.
    await page.goto(`${server.url}/tiltak/farlig/`);
    assert.match(await page.textContent('h1'), /Zqxfarlig <img src=x onerror=/);
    // Suggestions while typing: title, section and excerpt as text.
    await page.focus('#sokefelt');
    await page.fill('#sokefelt', 'zqxfarlig');
    await page.waitForFunction(() => {
      const t = document.querySelector('#sok-forslag .sok-tittel');
      return t && t.textContent.includes('Zqxfarlig');
    }, null, { timeout: 15000 });
    const shown = await page.textContent('#sok-forslag');
    assert.match(shown, /<img src=x onerror=/, 'the title is shown as the text it is');
    assert.strictEqual(await page.$('#sok-forslag img, #sok-forslag script, #sok-forslag svg'), null);
    // A query made of markup, typed and from a ?q= link: echoed as text ("Fant ikke: …").
    await page.fill('#sokefelt', `zqxfarlig ${PAYLOAD}`);
    await page.waitForTimeout(300);
    await page.goto(`${server.url}/sok/?q=${encodeURIComponent(`${PAYLOAD} zqxfarlig`)}`);
    await page.waitForSelector('#sok-resultater .sok-liste .sok-tittel', { timeout: 15000 });
    assert.strictEqual(await page.inputValue('#sok-q'), `${PAYLOAD} zqxfarlig`);
    assert.strictEqual(await page.$('#sok-resultater img, #sok-resultater script, #sok-resultater svg'), null);
    await page.goto(`${server.url}/sok/?q=${encodeURIComponent(PAYLOAD)}`);
    await page.waitForSelector('#sok-resultater', { timeout: 15000 });
    await page.waitForTimeout(300);
    assert.strictEqual(await page.$('#sok-resultater img, #sok-resultater script, #sok-resultater svg'), null);
    assert.strictEqual(await page.evaluate(() => window.__xss), undefined, 'no injected script ran');
    assert.deepStrictEqual(page.consoleErrors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
