#!/usr/bin/env python3
"""Edit-to-reload latency of `veiviser serve`: the time from saving a file to the moment an open
page is told to reload (the server-sent event arrives), and to the moment the new page has been
fetched, as a browser would.

    cargo build --release
    scripts/bench-serve.py                      # the repository's own site
    scripts/bench-serve.py --pages 10000        # a generated corpus (../shared/bench/gen_corpus.py)

The site is copied to a temporary folder first (the repository is never edited). Each run edits
pages round-robin; two kinds of edit are timed separately:

  body   a sentence in the body changes (the common case: one page is rendered again)
  title  the title changes (every page showing it and the index pages are rendered again)

Prints median, 90th and 95th percentile and maximum per kind, with the server's own rebuild time (from
its "rebuilt in N ms" lines) beside them. Only the standard library is used.
"""

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ["rolle", "regel", "takst", "tiltak", "kommune"]


def corpus_site(pages, work, gen):
    """Generates the neutral corpus and lays it out as a veiviser site (one kind per type)."""
    corpus = os.path.join(work, "corpus")
    subprocess.run([sys.executable, gen, "--pages", str(pages), "--out", corpus],
                   check=True, stdout=subprocess.DEVNULL)
    site = os.path.join(work, "site")
    os.makedirs(site)
    shutil.copytree(os.path.join(corpus, "content"), os.path.join(site, "content"))
    with open(os.path.join(site, "veiviser.yaml"), "w", encoding="utf-8") as f:
        f.write("title: Benchmark\nlanguage: nb\nbase_url: https://bench.example.no\nkinds:\n")
        for t in TYPES:
            f.write(f"  {t}: {{ section: {t}, fields: {{ type: {{ type: string }}, date: {{ type: date }} }} }}\n")
    shutil.copytree(os.path.join(REPO, "themes"), os.path.join(site, "themes"))
    return site


def repo_site(work):
    site = os.path.join(work, "site")
    os.makedirs(site)
    for name in ["veiviser.yaml", "synonyms.yaml", "urls.lock"]:
        if os.path.exists(os.path.join(REPO, name)):
            shutil.copy(os.path.join(REPO, name), site)
    for name in ["content", "themes"]:
        shutil.copytree(os.path.join(REPO, name), os.path.join(site, name))
    return site


def pick_pages(site, n):
    """Entry pages with a body and a plain `title:` line, spread over the site."""
    found = []
    for folder, _, files in sorted(os.walk(os.path.join(site, "content"))):
        for name in sorted(files):
            if name.endswith(".md") and name != "_index.md":
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                if re.search(r"^title: .+$", text, re.M) and "draft: true" not in text:
                    found.append(path)
    step = max(1, len(found) // n)
    return found[::step][:n]


def url_of(site, path):
    rel = os.path.relpath(path, os.path.join(site, "content"))
    folder, name = os.path.split(rel)
    stem = name[:-3]
    return "/" + (folder + "/" if folder else "") + stem + "/"


class Events(threading.Thread):
    """Reads the server's event stream; puts (arrival time, payload) on a queue."""

    def __init__(self, host, port):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection(host, port, timeout=120)
        self.conn.request("GET", "/__veiviser/events", headers={"Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        self.queue = queue.Queue()

    def run(self):
        event, data = None, []
        while True:
            line = self.resp.readline()
            if not line:
                return
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if event == "state":
                    self.queue.put((time.perf_counter(), json.loads("\n".join(data))))
                event, data = None, []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())

    def wait_build(self, old, timeout=60):
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SystemExit(f"no new build within {timeout} s")
            at, state = self.queue.get(timeout=left)
            if state.get("overlay"):
                raise SystemExit("the edit broke the build:\n" + state["overlay"][:2000])
            if state["build"] != old:
                return at, state["build"]


def fetch(host, port, path):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", path)
    body = conn.getresponse().read().decode("utf-8")
    conn.close()
    return body


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, help="generate a corpus of this many pages instead of the repository's site")
    ap.add_argument("--edits", type=int, default=20, help="edits of each kind (default 20)")
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "veiviser"))
    ap.add_argument("--gen", default=os.path.join(REPO, "..", "shared", "bench", "gen_corpus.py"))
    ap.add_argument("--pause", type=float, default=0.3, help="seconds between edits (default 0.3)")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="veiviser-bench-serve-")
    try:
        site = corpus_site(args.pages, work, args.gen) if args.pages else repo_site(work)
        server = subprocess.Popen([args.bin, "serve", "--root", site, "--port", "0"],
                                  stderr=subprocess.PIPE, text=True)
        rebuilds = queue.Queue()
        started = time.perf_counter()
        url = None
        for line in server.stderr:
            if line.startswith("built "):
                print("server:", line.strip(), file=sys.stderr)
            m = re.match(r"serving http://([\d.]+):(\d+)/", line)
            if m:
                url = (m.group(1), int(m.group(2)))
                break
        if not url:
            raise SystemExit("the server did not start")
        print(f"server up after {time.perf_counter() - started:.1f} s", file=sys.stderr)

        def drain():
            for line in server.stderr:
                m = re.match(r"rebuilt in (\d+) ms", line)
                if m:
                    rebuilds.put(int(m.group(1)))
                elif line.startswith("build failed") or line.startswith("error"):
                    print("server:", line.strip(), file=sys.stderr)
        threading.Thread(target=drain, daemon=True).start()

        host, port = url
        events = Events(host, port)
        events.start()
        _, build = events.wait_build(None)
        pages = pick_pages(site, args.edits)
        results = {"body": [], "title": []}
        for i in range(args.edits):
            for kind in ("body", "title"):
                path = pages[i % len(pages)]
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                marker = f"bench{kind}{i}x"
                if kind == "body":
                    new = text.rstrip("\n") + f"\n\nEndret {marker}.\n"
                else:
                    new = re.sub(r"^title: (.+)$", lambda m: f"title: {m.group(1).strip(chr(34))} {marker}",
                                 text, count=1, flags=re.M)
                t0 = time.perf_counter()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
                at, build = events.wait_build(build)
                body = fetch(host, port, url_of(site, path))
                t2 = time.perf_counter()
                if marker not in body:
                    raise SystemExit(f"{url_of(site, path)} does not show the edit")
                try:
                    server_ms = rebuilds.get(timeout=5)
                except queue.Empty:
                    server_ms = float("nan")
                results[kind].append(((at - t0) * 1000, (t2 - t0) * 1000, server_ms))
                time.sleep(args.pause)
        server.terminate()
        server.wait(timeout=10)

        label = f"{args.pages} generated pages" if args.pages else "the repository's site"
        print(f"\nedit-to-reload latency, {label}, {args.edits} edits of each kind (ms)")
        print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 cores)")
        print(f"{'edit':<6} {'measure':<28} {'median':>8} {'p90':>8} {'p95':>8} {'max':>8}")
        for kind, rows in results.items():
            for col, name in [(0, "save → reload event"), (1, "save → new page fetched"), (2, "server rebuild")]:
                vals = [r[col] for r in rows]
                print(f"{kind:<6} {name:<28} {statistics.median(vals):8.1f} {percentile(vals, 90):8.1f} "
                      f"{percentile(vals, 95):8.1f} {max(vals):8.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
