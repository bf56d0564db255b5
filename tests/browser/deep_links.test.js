// Deep links in a real browser: an alias redirect keeps the #fragment, an anchor alias lands on the
// renamed heading without JavaScript, and a code URL in another case leads to the page.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { buildSite, fixtureSite, serveStatic, launch, strictPage } = require('./lib');

/** The `url_lock` fixture after an editor moved a page (with alias) and renamed a heading (with anchor alias). */
function editedSite() {
  const root = fixtureSite('url_lock');
  const om = path.join(root, 'content', 'om.md');
  const text = fs.readFileSync(om, 'utf8').replace('title: Om lenkene\n', 'title: Om lenkene\naliases: [/om/]\n');
  fs.writeFileSync(path.join(root, 'content', 'lenker.md'), text);
  fs.rmSync(om);
  const l8 = path.join(root, 'content', 'takster', 'l8.md');
  fs.writeFileSync(l8, fs.readFileSync(l8, 'utf8')
    .replace('kode: L8\n', 'kode: L8\nanchor_aliases:\n  nar-brukes-l8: nar-kan-l8-brukes\n')
    .replace('## Når brukes L8', '## Når kan L8 brukes'));
  return buildSite(root);
}

test('old deep links still land in Chromium', async () => {
  const out = editedSite();
  const server = await serveStatic(out);
  const browser = await launch();
  try {
    // With JavaScript: the alias page carries the fragment over to the moved page.
    const page = await strictPage(browser);
    await page.goto(`${server.url}/om/#hvorfor-lenker-ma-virke`);
    await page.waitForURL(`${server.url}/lenker/#hvorfor-lenker-ma-virke`);
    assert.strictEqual(await page.evaluate(() => document.querySelector(':target')?.id), 'hvorfor-lenker-ma-virke');
    assert.deepStrictEqual(page.consoleErrors, []);

    // Without JavaScript: the old heading id is a real target inside the renamed heading.
    const noJs = await strictPage(browser, { javaScriptEnabled: false });
    await noJs.goto(`${server.url}/takster/l8/#nar-brukes-l8`);
    const target = await noJs.evaluate(() => {
      const t = document.querySelector(':target');
      return t && { id: t.id, heading: t.parentElement.id, text: t.parentElement.textContent };
    });
    assert.deepStrictEqual(target, { id: 'nar-brukes-l8', heading: 'nar-kan-l8-brukes', text: 'Når kan L8 brukes' });

    // Without JavaScript: the code in upper case reaches the page through the meta refresh.
    await noJs.goto(`${server.url}/takster/L8/`);
    await noJs.waitForURL(`${server.url}/takster/l8/`);
    assert.strictEqual(await noJs.locator('h1').textContent(), 'Takst L8');
    assert.deepStrictEqual(noJs.consoleErrors, [], JSON.stringify(server.log.filter((r) => r.status !== 200)));
  } finally {
    await browser.close();
    await server.close();
  }
});
