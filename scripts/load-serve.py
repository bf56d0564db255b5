#!/usr/bin/env python3
"""`veiviser serve` under load: wrk hammers the preview on loopback while another loop edits
content files, and three things are checked:

  errors   wrk sees no non-2xx/3xx response and no socket error (connect, read, write, timeout)
  stale    after each edit's reload event (SSE `state` with a new build id), a GET of the edited
           page shows the edit — never the page from before
  memory   the server's RSS (sampled from /proc) stays flat: the median of the last quarter of
           the run is within 25 % (+16 MB) of the median of the first quarter

    cargo build --release
    scripts/load-serve.py                       # 64 connections, 30 s (the issue's figures)
    scripts/load-serve.py --duration 5          # the shortened run of .ci/run

Prints requests per second, latency percentiles (wrk --latency), the edits and their reload
times, and RSS; exits 1 if any check fails. The repository's site is copied to a temporary
folder first (the repository is never edited). Needs wrk (Debian package `wrk`); otherwise
only the standard library.
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


def repo_site(work):
    site = os.path.join(work, "site")
    os.makedirs(site)
    for name in ["veiviser.yaml", "synonyms.yaml", "urls.lock"]:
        if os.path.exists(os.path.join(REPO, name)):
            shutil.copy(os.path.join(REPO, name), site)
    for name in ["content", "themes"]:
        shutil.copytree(os.path.join(REPO, name), os.path.join(site, name))
    return site


def entry_pages(site):
    """Entry pages with a body, as (path, URL)."""
    found = []
    content = os.path.join(site, "content")
    for folder, _, files in sorted(os.walk(content)):
        for name in sorted(files):
            if name.endswith(".md") and name != "_index.md":
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                if "draft: true" not in text and text.startswith("---\n"):
                    rel = os.path.relpath(folder, content)
                    url = "/" + ("" if rel == "." else rel + "/") + name[:-3] + "/"
                    found.append((path, url))
    return found


class Events(threading.Thread):
    """Reads the server's event stream; puts (arrival time, payload) on a queue."""

    def __init__(self, host, port):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection(host, port, timeout=300)
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

    def wait_build(self, old, timeout=120):
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SystemExit(f"no new build within {timeout} s")
            at, state = self.queue.get(timeout=left)
            if state.get("overlay"):
                raise SystemExit("an edit broke the build:\n" + state["overlay"][:2000])
            if state["build"] != old:
                return at, state["build"]


def fetch(host, port, path):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read().decode("utf-8")
    conn.close()
    return resp.status, body


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=30, help="seconds of load (default 30)")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--pause", type=float, default=0.2, help="seconds between edits (default 0.2)")
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "veiviser"))
    ap.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="veiviser-load-serve-")
    server = None
    try:
        site = repo_site(work)
        server = subprocess.Popen([args.bin, "serve", "--root", site, "--port", "0"],
                                  stderr=subprocess.PIPE, text=True)
        url = None
        for line in server.stderr:
            m = re.match(r"serving http://([\d.]+):(\d+)/", line)
            if m:
                url = (m.group(1), int(m.group(2)))
                break
        if not url:
            raise SystemExit("the server did not start")
        server_log = []
        threading.Thread(target=lambda: server_log.extend(server.stderr), daemon=True).start()
        host, port = url
        events = Events(host, port)
        events.start()
        _, build = events.wait_build(None)

        pages = entry_pages(site)
        # Load on pages, index pages, the home page, pages.json and a search shard.
        paths = [u for _, u in pages[::4]] + ["/", "/takster/", "/kommuner/", "/pages.json", "/sok/"]
        for p in paths:
            status, _ = fetch(host, port, p)
            if status != 200:
                raise SystemExit(f"{p} answers {status} before the load starts")
        lua = os.path.join(work, "paths.lua")
        with open(lua, "w") as f:
            f.write("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n")
            f.write("local i = 0\nrequest = function()\n  i = i + 1\n"
                    "  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")

        rss = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                rss.append((time.perf_counter(), rss_kib(server.pid)))
                time.sleep(0.25)

        edits = []  # (url, reload seconds, fresh?)

        def edit_loop():
            nonlocal build
            targets = pages[1::7][:12]
            i = 0
            while not stop.is_set():
                path, page_url = targets[i % len(targets)]
                marker = f"lastmerke{i}x"
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                text = re.sub(r"\n\nLastmerke \w+\.\n$", "\n", text)
                t0 = time.perf_counter()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text.rstrip("\n") + f"\n\nLastmerke {marker}.\n")
                at, build = events.wait_build(build)
                status, body = fetch(host, port, page_url)
                edits.append((page_url, at - t0, status == 200 and marker in body))
                i += 1
                stop.wait(args.pause)

        sampler = threading.Thread(target=sample, daemon=True)
        editor = threading.Thread(target=edit_loop, daemon=True)
        t_start = time.perf_counter()
        sampler.start()
        editor.start()
        wrk = subprocess.run([args.wrk, f"-t{args.threads}", f"-c{args.connections}",
                              f"-d{args.duration}s", "--latency", "--timeout", "10s", "-s", lua,
                              f"http://{host}:{port}"], capture_output=True, text=True)
        stop.set()
        editor.join(timeout=130)
        sampler.join()
        t_end = time.perf_counter()
        out = wrk.stdout
        print(out)

        failures = []
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        total = re.search(r"(\d+) requests in", out)
        lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
        if wrk.returncode != 0 or not rps:
            failures.append(f"wrk failed: {wrk.stderr.strip()}")
        if non2xx:
            failures.append(f"{non2xx.group(1)} non-2xx/3xx responses")
        if sock and any(int(x) for x in sock.groups()):
            failures.append(f"socket errors: {sock.group(0)}")
        stale = [e for e in edits if not e[2]]
        if not edits:
            failures.append("no edit completed during the load")
        if stale:
            failures.append(f"{len(stale)} stale reads after the reload event: {stale[:3]}")

        q = max(1, len(rss) // 4)
        first = statistics.median(r for _, r in rss[:q]) / 1024
        last = statistics.median(r for _, r in rss[-q:]) / 1024
        peak = max(r for _, r in rss) / 1024
        if last > first * 1.25 + 16:
            failures.append(f"RSS grew from {first:.0f} MB to {last:.0f} MB")

        reloads = sorted(e[1] for e in edits)
        print(f"load:     {total.group(1) if total else '?'} requests in {args.duration} s over "
              f"{args.connections} connections, {rps.group(1) if rps else '?'} req/s")
        print(f"latency:  p50 {lat.get('50', '?')}  p75 {lat.get('75', '?')}  "
              f"p90 {lat.get('90', '?')}  p99 {lat.get('99', '?')}")
        print(f"errors:   non-2xx/3xx {non2xx.group(1) if non2xx else 0}; "
              f"{sock.group(0) if sock else 'socket errors: none'}")
        if reloads:
            print(f"edits:    {len(edits)} during the load, {len(stale)} stale; edit → reload event "
                  f"median {statistics.median(reloads) * 1000:.0f} ms, max {reloads[-1] * 1000:.0f} ms")
        print(f"memory:   RSS first quarter {first:.1f} MB, last quarter {last:.1f} MB, "
              f"peak {peak:.1f} MB ({len(rss)} samples over {t_end - t_start:.0f} s)")
        if failures:
            print("FAILED:\n  " + "\n  ".join(failures))
            sys.exit(1)
        print("ok")
    finally:
        if server:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
