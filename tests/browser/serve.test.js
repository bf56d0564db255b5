// `veiviser serve` in a real browser: an open page reloads by itself after an edit, shows the
// error overlay for a broken edit, and finds its way back after the server restarts.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { fixtureSite, startServe, launch, strictPage, screenshot } = require('./lib');

function edit(root, rel, from, to) {
  const file = path.join(root, rel);
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${rel} has no ${from}`);
  fs.writeFileSync(file, text.replace(from, to));
}

test('an open page reloads by itself after an edit', async () => {
  const root = fixtureSite('serve');
  const server = await startServe(root);
  const browser = await launch();
  try {
    const page = await strictPage(browser);
    await page.goto(`${server.url}/takster/l8/`);
    assert.ok((await page.locator('main').textContent()).includes('Versjon en av teksten.'));
    // Survives only as long as this document does: gone after a reload.
    await page.evaluate(() => { window.beforeEdit = true; });
    // No need to wait for the event stream: the page knows the build it came from, so even an
    // edit made before it connects makes it reload.

    edit(root, 'content/takster/l8.md', 'Versjon en', 'Versjon to');
    await page.waitForFunction(() => !window.beforeEdit && document.querySelector('main').textContent.includes('Versjon to av teksten.'), null, { timeout: 15000 });
    assert.deepStrictEqual(page.consoleErrors, []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

test('a broken edit shows the overlay over the last good page until it is fixed', async () => {
  const root = fixtureSite('serve');
  const server = await startServe(root);
  const browser = await launch();
  try {
    const page = await strictPage(browser);
    await page.goto(`${server.url}/takster/14/`);

    edit(root, 'content/takster/14.md', 'title: Takst 14', 'title: Takst 14\nkoode: feil');
    const overlay = page.locator('#veiviser-overlay');
    await overlay.waitFor({ state: 'visible', timeout: 15000 });
    const text = await overlay.textContent();
    assert.ok(text.includes('content/takster/14.md:3:1'), text);
    assert.ok(text.includes('koode'), text);
    assert.ok((await page.locator('h1').textContent()).includes('Takst 14'), 'the last good page stays');
    await screenshot(page, 'serve-overlay');

    edit(root, 'content/takster/14.md', 'koode: feil', 'updated: 2026-11-23');
    await overlay.waitFor({ state: 'detached', timeout: 15000 });
    assert.deepStrictEqual(page.consoleErrors.filter((e) => !e.includes('net::')), []);
  } finally {
    await browser.close();
    await server.stop();
  }
});

test('a page reloads after the server restarts', async () => {
  const root = fixtureSite('serve');
  let server = await startServe(root);
  const port = new URL(server.url).port;
  const browser = await launch();
  try {
    const page = await strictPage(browser);
    await page.goto(`${server.url}/`);
    await page.evaluate(() => { window.beforeRestart = true; });
    assert.strictEqual(await server.stop(), 0, 'Ctrl-C ends the server cleanly');

    edit(root, 'content/_index.md', 'Velkommen.', 'Velkommen tilbake.');
    server = await startServe(root, ['--port', port]);
    // The page's event stream reconnects by itself and sees a new build id.
    await page.waitForFunction(() => !window.beforeRestart && document.body.textContent.includes('Velkommen tilbake.'), null, { timeout: 15000 });
  } finally {
    await browser.close();
    await server.stop();
  }
});
