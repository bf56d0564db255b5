// Shared helpers for the browser tests: build a site with the real binary, serve the output
// over a real HTTP server on loopback, and launch Debian's Chromium through playwright-core.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const REPO = path.resolve(__dirname, '..', '..');
const BIN = process.env.VEIVISER_BIN || path.join(REPO, 'target', 'release', 'veiviser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, 'artifacts');

/** Builds the site at `root` (default: the repository's own site) into a fresh folder. */
function buildSite(root = REPO, extraArgs = []) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'veiviser-browser-'));
  fs.rmSync(out, { recursive: true });
  execFileSync(BIN, ['build', '--root', root, '--out', out, ...extraArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8', '.svg': 'image/svg+xml',
};

/** Copies `tests/fixtures/<name>` and the default theme into a temporary site folder. */
function fixtureSite(name) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `veiviser-fixture-${name}-`));
  fs.cpSync(path.join(REPO, 'tests', 'fixtures', name), root, { recursive: true });
  if (!fs.existsSync(path.join(root, 'themes'))) {
    fs.cpSync(path.join(REPO, 'themes', 'default'), path.join(root, 'themes', 'default'), { recursive: true });
  }
  return root;
}

/** Serves `dir` on 127.0.0.1 (port 0); records every request path and its size in `log`. */
async function serveStatic(dir) {
  const log = [];
  const server = http.createServer((req, res) => {
    let rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(dir, rel);
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404, { 'content-type': TYPES['.html'] });
      const notFound = path.join(dir, '404.html');
      res.end(fs.existsSync(notFound) ? fs.readFileSync(notFound) : 'not found');
      log.push({ path: rel, status: 404, bytes: 0 });
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
    log.push({ path: rel, status: 200, bytes: body.length });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, log, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Starts `veiviser serve` on a free port for the site at `root`; resolves to
 * `{ url, stop, process, log }` once it serves. `stop()` sends Ctrl-C (SIGINT) and waits for exit.
 */
function startServe(root, extraArgs = []) {
  const { spawn } = require('node:child_process');
  const port = extraArgs.includes('--port') ? [] : ['--port', '0'];
  const child = spawn(BIN, ['serve', '--root', root, ...port, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = [];
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        log.push(line);
        const m = /^serving (http:\/\/\S+)/.exec(line);
        if (m) {
          const stop = () => new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGINT');
          });
          resolve({ url: m[1].replace(/\/$/, ''), stop, process: child, log });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`veiviser serve exited with ${code}:\n${log.join('\n')}`)));
  });
}

/** Launches headless Chromium with flags that keep it off the (closed) network. */
function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens a page that fails the test on any console error or uncaught exception. */
async function strictPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.consoleErrors = errors;
  return page;
}

/** Saves a screenshot as a CI artefact. */
async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

module.exports = { REPO, BIN, buildSite, fixtureSite, serveStatic, startServe, launch, strictPage, screenshot, ARTIFACTS };
