// Smoke test: the built fixture site renders in Chromium without console errors, and the skip
// link is the first thing a keyboard reaches.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { buildSite, fixtureSite, serveStatic, launch, strictPage } = require('./lib');

test('fixture site renders and the skip link comes first', async () => {
  const out = buildSite(fixtureSite('valid'));
  const server = await serveStatic(out);
  const browser = await launch();
  try {
    const page = await strictPage(browser);
    await page.goto(`${server.url}/takster/l8/`);
    assert.strictEqual(await page.locator('h1').textContent(), 'Takst L8');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement.textContent);
    assert.strictEqual(focused, 'Hopp til hovedinnholdet');
    assert.deepStrictEqual(page.consoleErrors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
