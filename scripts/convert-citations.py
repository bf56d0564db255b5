#!/usr/bin/env python3
"""Rewrite inline source references in content/**/*.md into citation markers.

    (linje 1979–1983)                  -> [@1979-1983]
    (rapporten, linje 1979–1983)       -> [@1979-1983]
    (004:1979-1981, 004:4998)          -> [@1979-1981][@4998]
    linje 1119–1123 og 4996–5002       -> [@1119-1123][@4996-5002]
    (figur 12, n=231; linje 3010)      -> (figur 12, n=231)[@3010]
    (000:39-61)                        -> [@kilde-lf-statsbudsjett-2026:39-61]

Which document a reference means is decided by rule, never by hand:
  1. `NNN:` names the document whose source page has `dokument: NNN_….txt`.
  2. A label before `linje` that is a wiki link (`[[kilde-x]]`) names that page; "rapporten"
     names the default source (veiviser.yaml `citations.default_source`); another label
     ("Legeforeningen", "statsbudsjettinnspillet") names the non-default documents whose id or
     title shares a word with it.
  3. Otherwise (and to narrow 2.), only documents long enough to have the lines qualify, and the
     page's own front-matter `sources` decide among them: the document cited with exactly these
     lines; else the ones whose cited `lines` contain them; else overlap them; else any document
     the page cites. The default source wins a tie, as the convention "linje means the report"
     says; with nothing to go on, a bare "linje" means the default source.
A reference the rules cannot settle is left as written and printed; the script exits 1 then.

Idempotent: markers are never rewritten, and nothing it writes matches a reference again.
Code spans, fenced code blocks, «quoted» mentions and front matter are left alone.

Usage: scripts/convert-citations.py [--root DIR] [--check]   (--check: write nothing, exit 1 if
anything would change or could not be converted)
"""

import argparse
import pathlib
import re
import sys

DASH = r"\s*[–-]\s*"
RANGE = rf"\d+(?:{DASH}\d+)?"
# "1979–1983, 1990 og 2001-2003": ranges joined by ", " or " og ".
RANGES = rf"{RANGE}(?:(?:\s*,\s*|\s+og\s+){RANGE}(?![.,]\d))*"
LINJE = re.compile(rf"\blinje\s+(?P<ranges>{RANGES})(?![\d.]\d)")
DOCNUM = re.compile(rf"(?<![\w@:-])(?P<num>\d{{3}}):(?P<range>{RANGE})(?!\d)")
PAREN = re.compile(r"\((?P<inner>[^()]*)\)")
MARKER = re.compile(r"\[@[^\]\n]*\]")


def ranges_of(text):
    """'1979–1983, 1990 og 2001-2003' -> [(1979, 1983), (1990, 1990), (2001, 2003)]."""
    out = []
    for m in re.finditer(RANGE, text):
        nums = [int(n) for n in re.findall(r"\d+", m.group(0))]
        out.append((nums[0], nums[-1]))
    return out


def front_matter(text):
    """(yaml text, body offset) of a page."""
    if not text.startswith("---\n"):
        return "", 0
    end = text.find("\n---", 4)
    if end < 0:
        return "", 0
    nl = text.find("\n", end + 1)
    return text[4:end], (nl + 1 if nl >= 0 else len(text))


def yaml_value(yaml, key):
    m = re.search(rf"^{key}:\s*(.+)$", yaml, re.M)
    return m.group(1).strip().strip("\"'") if m else None


def fm_sources(yaml):
    """[(source id, [(start, end)])] of the front-matter `sources` list."""
    out = []
    for block in re.split(r"\n\s*-\s+(?=source:)", "\n" + yaml)[1:]:
        src = re.match(r"source:\s*(\S+)", block).group(1).strip("\"'")
        lines = re.search(r"\blines:\s*\"?([^\"\n]+)\"?", block)
        out.append((src, ranges_of(lines.group(1)) if lines else []))
    return out


class Site:
    def __init__(self, root):
        self.root = root
        config = (root / "veiviser.yaml").read_text(encoding="utf-8")
        m = re.search(r"^\s+default_source:\s*(\S+)", config, re.M)
        self.default = m.group(1) if m else None
        m = re.search(r"^\s+document_field:\s*(\S+)", config, re.M)
        field = m.group(1) if m else "dokument"
        texts = {p.name: p for p in (root / "content").rglob("*.txt")}
        self.docs = {}  # id -> (title, line count)
        self.by_number = {}  # "004" -> id
        for page in (root / "content").rglob("*.md"):
            yaml, _ = front_matter(page.read_text(encoding="utf-8"))
            doc = yaml_value(yaml, field)
            if not doc or pathlib.Path(doc).name not in texts:
                continue
            pid = yaml_value(yaml, "id") or f"kilde-{page.stem}"
            lines = texts[pathlib.Path(doc).name].read_text(encoding="utf-8").count("\n")
            self.docs[pid] = (yaml_value(yaml, "title") or "", lines)
            num = re.match(r"(\d{3})_", pathlib.Path(doc).name)
            if num:
                self.by_number[num.group(1)] = pid

    def marker(self, doc, start, end):
        rng = str(start) if start == end else f"{start}-{end}"
        return f"[@{rng}]" if doc == self.default else f"[@{doc}:{rng}]"

    def by_label(self, label):
        """Documents a label names, or None when the label is not a document's name."""
        label = label.strip()
        wiki = re.fullmatch(r"\[\[([a-z0-9-]+)(?:\|[^\]]*)?\]\]", label)
        if wiki:
            return [wiki.group(1)] if wiki.group(1) in self.docs else None
        if label.lower() == "rapporten":
            return [self.default]
        words = {w for w in re.findall(r"[a-zæøå]{5,}", label.lower())}
        if not words:
            return None
        found = []
        for pid, (title, _) in self.docs.items():
            if pid == self.default:
                continue
            hay = (pid + " " + title).lower()
            if any(w in hay or any(h.startswith(w[:8]) for h in re.findall(r"[a-zæøå]+", hay)) for w in words):
                found.append(pid)
        # "Legeforeningen" names every Legeforeningen document: the page's sources narrow it.
        return found or None

    def decide(self, candidates, sources, start, end):
        """The one document meant, or None."""
        explicit = candidates is not None
        fits = [
            c for c in (candidates if explicit else self.docs)
            if c in self.docs and self.docs[c][1] >= end
        ]
        if len(fits) <= 1:
            return fits[0] if fits else None
        exact = {s for s, rs in sources for a, b in rs if (a, b) == (start, end)}
        covering = {s for s, rs in sources for a, b in rs if a <= start and end <= b}
        overlapping = {s for s, rs in sources for a, b in rs if a <= end and start <= b}
        cited = {s for s, _ in sources}
        for narrowing in (exact, covering, overlapping, cited):
            narrowed = [c for c in fits if c in narrowing]
            if len(narrowed) == 1:
                return narrowed[0]
            if narrowed:
                return self.default if self.default in narrowed else None
        # Nothing on the page narrows it: "linje" alone means the default source.
        return self.default if not explicit and self.default in fits else None


def protected_spans(body):
    """Byte spans the converter must not touch: code, markers, «quotes»."""
    spans = []
    for m in re.finditer(r"^(```|~~~).*?^\1[^\n]*$", body, re.M | re.S):
        spans.append(m.span())
    for m in re.finditer(r"(`+)[^`].*?\1", body, re.S):
        spans.append(m.span())
    for m in MARKER.finditer(body):
        spans.append(m.span())
    for m in re.finditer(r"«[^«»]*»", body):
        spans.append(m.span())
    return spans


def inside(spans, a, b):
    return any(s <= a and b <= e for s, e in spans) or any(s < b and a < e for s, e in spans)


def pull_up(body, start, floor=0):
    """Where a marker replacing text at `start` begins: right after the preceding word, also
    across a line break when the reference opened a continuation line ("utfordringene\n(linje
    1)" -> "utfordringene[@1]"), but never into a heading or across a blank line."""
    i = start
    while i > floor and body[i - 1] in " \t":
        i -= 1
    if i > floor and body[i - 1] == "\n":
        prev_start = body.rfind("\n", 0, i - 1) + 1
        prev = body[prev_start:i - 1]
        if prev.strip() and not prev.lstrip().startswith(("#", "|", "```", "~~~")) and i - 1 >= floor:
            j = i - 1
            while j > prev_start and body[j - 1] in " \t":
                j -= 1
            return j
        return start
    return i


def tidy(rest):
    """What is left of a parenthesis once its references are taken out."""
    rest = re.sub(r"\s+", " ", rest).strip()
    rest = re.sub(r"^(jf\.)\s+og\s+", r"\1 ", rest)
    rest = re.sub(r"^og\s+|\s+og$", "", rest)
    rest = re.sub(r"\s*,\s*(?=,|$)", "", rest)
    rest = re.sub(r"^[,;\s]+|[,;\s]+$", "", rest)
    return "" if rest in ("jf.", "se", "og") else rest


class Converter:
    def __init__(self, site, path, sources):
        self.site = site
        self.path = path
        self.sources = sources
        self.problems = []

    def refs_in(self, segment, line_no):
        """(markers, rest of the segment) for one `;`-separated segment; None if unconvertible."""
        markers = []
        rest = segment
        for m in list(DOCNUM.finditer(segment)):
            doc = self.site.by_number.get(m.group("num"))
            if not doc:
                continue
            (a, b), = ranges_of(m.group("range"))
            markers.append(self.site.marker(doc, a, b))
            rest = rest.replace(m.group(0), "", 1)
        m = LINJE.search(rest)
        if m:
            label = rest[: m.start()].strip().rstrip(",").strip()
            candidates = self.site.by_label(label) if label else None
            if candidates is not None:
                rest = rest[m.end():]
            else:
                rest = rest[: m.start()] + rest[m.end():]
                if "rapporten" in label.lower():
                    candidates = [self.site.default]
            for a, b in ranges_of(m.group("ranges")):
                doc = self.site.decide(candidates, self.sources, a, b)
                if doc is None:
                    self.problems.append(f"{self.path}:{line_no}: cannot tell which document «{segment.strip()}» means")
                    return None
                markers.append(self.site.marker(doc, a, b))
        return markers, tidy(rest)

    def convert(self, body, body_line):
        protected = protected_spans(body)
        edits = []  # (start, end, replacement) in `body`
        claimed = []  # parentheses looked at: their references are never taken one by one
        # Parenthesised references first: the parenthesis goes, its other words stay.
        for p in PAREN.finditer(body):
            if inside(protected, p.start(), p.end()):
                continue
            inner = p.group("inner")
            if not (LINJE.search(inner) or DOCNUM.search(inner)):
                continue
            claimed.append(p.span())
            line_no = body_line + body.count("\n", 0, p.start())
            markers, rests = [], []
            for seg in inner.split(";"):
                r = self.refs_in(seg, line_no)
                if r is None:
                    markers = []
                    break
                markers += r[0]
                if r[1]:
                    rests.append(r[1])
            if not markers:
                continue
            start = pull_up(body, p.start()) if not rests else p.start()
            text = (f"({'; '.join(rests)})" if rests else "") + "".join(markers)
            edits.append((start, p.end(), text))
        # Then references in running text: "linje 1119–1123 og 4996–5002", "004:12".
        for m in sorted(
            list(LINJE.finditer(body)) + list(DOCNUM.finditer(body)), key=lambda m: m.start()
        ):
            if inside(protected + claimed, m.start(), m.end()):
                continue
            if any(s < m.end() and m.start() < e for s, e, _ in edits):
                continue
            line_no = body_line + body.count("\n", 0, m.start())
            r = self.refs_in(m.group(0), line_no)
            if r is None or not r[0]:
                continue
            floor = max([e for _, e, _ in edits if e <= m.start()], default=0)
            edits.append((pull_up(body, m.start(), floor), m.end(), "".join(r[0])))
        out, at = [], 0
        for s_, e, t in sorted(edits):
            out.append(body[at:s_])
            out.append(t)
            at = e
        out.append(body[at:])
        return "".join(out)


def leftovers(body):
    """References still written the old way (outside code and «quotes»)."""
    protected = protected_spans(body)
    return [
        m for m in list(LINJE.finditer(body)) + list(DOCNUM.finditer(body))
        if not inside(protected, m.start(), m.end())
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".", type=pathlib.Path)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    site = Site(args.root)
    changed, problems = [], []
    for path in sorted((args.root / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        yaml, offset = front_matter(text)
        body = text[offset:]
        rel = path.relative_to(args.root)
        conv = Converter(site, rel, fm_sources(yaml))
        new_body = conv.convert(body, text.count("\n", 0, offset) + 1)
        problems += conv.problems
        for m in leftovers(new_body):
            line = text.count("\n", 0, offset) + 1 + new_body.count("\n", 0, m.start())
            msg = f"{rel}:{line}: not converted: «{m.group(0)}»"
            if not any(p.startswith(f"{rel}:{line}:") for p in problems):
                problems.append(msg)
        if new_body != body:
            changed.append(rel)
            if not args.check:
                path.write_text(text[:offset] + new_body, encoding="utf-8")
    for p in problems:
        print(p)
    verb = "would change" if args.check else "changed"
    print(f"{verb} {len(changed)} files; {len(problems)} references left as written", file=sys.stderr)
    sys.exit(1 if problems or (args.check and changed) else 0)


if __name__ == "__main__":
    main()
