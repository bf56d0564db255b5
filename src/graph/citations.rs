//! Citations resolved: every body marker (`[@3360-3372]`) and front-matter `sources` entry of a
//! page → numbered [`Note`]s holding the quoted passage of the source text, its section and page.
//!
//! In: the graph (pages and their ids), the `citations:` settings and the content assets read by
//! the source stage, among them the source texts (`.txt` files, each tied to a source page by its
//! document field). Out: per page a [`PageCitations`]; the assets that are source texts, which
//! the pipeline withholds from the output (quotations show the cited lines, never whole texts);
//! and a diagnostic for every reference that cannot be trusted: an unknown document, a line range
//! outside its text, a `quote:` no longer found in its passage (with where it moved to, when it
//! did). Renders nothing and touches no disk.

use std::collections::{HashMap, HashSet};

use crate::config::Config;
use crate::error::{Diagnostic, Position, did_you_mean};
use crate::graph::{PageIx, SiteGraph};
use crate::page::Page;
use crate::page::{LineRange, MarkerError, parse_lines};
use crate::source::{Asset, SourceFile};
use crate::yaml::Seg;

/// Passages longer than this many text lines are shown shortened (fair quotation: the reader
/// sees the beginning and the end, and the line numbers to find the rest).
pub(super) const MAX_QUOTE_LINES: usize = 8;
/// Of a shortened passage, this many lines are shown from its beginning (the rest from its end).
const HEAD_LINES: usize = 5;

/// One quoted passage of a note.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Passage {
    pub lines: LineRange,
    /// The section of the source text holding the first line (`3.3.4 Kristiansand`), where the
    /// text has numbered headings.
    pub section: Option<String>,
    /// Printed pages, where the text marks page breaks (form feeds).
    pub pages: Option<(usize, usize)>,
    /// Paragraphs of the quotation; `None` marks lines left out of a long passage.
    pub quote: Vec<Option<String>>,
}

/// A numbered note of a page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Note {
    /// The source page, when the id resolves.
    pub source: Option<PageIx>,
    /// The id as written, for a source that is not a page.
    pub source_id: String,
    /// Section as written in front matter.
    pub section: Option<String>,
    /// Lines as written in front matter (shown when there is no text to quote).
    pub lines: Option<String>,
    pub note: Option<String>,
    pub passages: Vec<Passage>,
    /// How many body markers point here (0 for a front-matter-only source).
    pub markers: usize,
}

/// The notes of one page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageCitations {
    /// In order: body markers by first appearance, then front-matter sources not cited in the
    /// body. Note `i` has number `i + 1`.
    pub notes: Vec<Note>,
    /// Per body marker (`page.body.citations[k]`): the index of its note.
    pub markers: Vec<usize>,
}

/// A source text, read for quoting.
struct Text<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    /// `(line, heading)` of the numbered headings, in order.
    headings: Vec<(usize, String)>,
    /// Per line (0-based), the printed page, when the text has form feeds.
    pages: Option<Vec<usize>>,
}

impl<'a> Text<'a> {
    fn new(src: &'a SourceFile) -> Self {
        let lines: Vec<&str> = src.text.lines().collect();
        let pages = src.text.contains('\u{c}').then(|| {
            let mut page = 1;
            lines
                .iter()
                .map(|l| {
                    page += l.matches('\u{c}').count();
                    page
                })
                .collect()
        });
        Self {
            file: &src.rel_path,
            headings: numbered_headings(&lines),
            lines,
            pages,
        }
    }

    fn section_at(&self, line: usize) -> Option<String> {
        let i = self.headings.partition_point(|(l, _)| *l <= line);
        i.checked_sub(1).map(|i| self.headings[i].1.clone())
    }

    fn passage(&self, lines: LineRange) -> Passage {
        let quoted: Vec<&str> = self.lines[lines.start - 1..lines.end]
            .iter()
            .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{c}'))
            .filter(|l| !l.is_empty())
            .collect();
        let quote = if quoted.len() > MAX_QUOTE_LINES {
            let tail = MAX_QUOTE_LINES - HEAD_LINES;
            let mut q = paragraphs(&quoted[..HEAD_LINES]);
            q.push(None);
            q.extend(paragraphs(&quoted[quoted.len() - tail..]));
            q
        } else {
            paragraphs(&quoted)
        };
        Passage {
            lines,
            section: self.section_at(lines.start),
            pages: self
                .pages
                .as_ref()
                .map(|p| (p[lines.start - 1], p[lines.end - 1])),
            quote,
        }
    }

    /// The passage's words, whitespace collapsed and lowercased, for `quote:` checks.
    fn words(&self, lines: LineRange) -> String {
        collapse(&self.lines[lines.start - 1..lines.end].join(" "))
    }

    /// Where `phrase` (collapsed) occurs now, as the lines it spans.
    fn find(&self, phrase: &str) -> Option<LineRange> {
        let mut joined = String::new();
        let mut line_of = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            let words = collapse(l);
            if words.is_empty() {
                continue;
            }
            if !joined.is_empty() {
                joined.push(' ');
                line_of.push(i + 1);
            }
            joined.push_str(&words);
            line_of.extend(std::iter::repeat_n(i + 1, words.len()));
        }
        let at = joined.find(phrase)?;
        Some(LineRange {
            start: line_of[at],
            end: line_of[at + phrase.len() - 1],
        })
    }
}

/// Lines of a PDF extraction → paragraphs: wrapped lines are joined; a bullet or a numbered
/// heading starts a new paragraph.
fn paragraphs(lines: &[&str]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::new();
    for line in lines {
        let starts_new = line.starts_with(['•', '-', '–', '*']) || heading_number(line).is_some();
        match out.last_mut() {
            Some(Some(p)) if !starts_new => {
                p.push(' ');
                p.push_str(line);
            }
            _ => out.push(Some((*line).to_owned())),
        }
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `3.3.4 Kristiansand` → `[3, 3, 4]`; `1. Oppdragets formål` → `[1]`. A single number needs its
/// dot, so a footnote (`2 Legeforeningen (2019): …`) is not taken for a chapter.
fn heading_number(line: &str) -> Option<Vec<u32>> {
    let line = line.trim();
    let (number, title) = line.split_once(char::is_whitespace)?;
    let title = title.trim();
    let looks_like_title = title.chars().next().is_some_and(char::is_uppercase)
        && line.chars().count() <= 90
        && !title.ends_with(['.', ',', ':', ';']);
    if !looks_like_title {
        return None;
    }
    let (digits, dotted) = match number.strip_suffix('.') {
        Some(n) => (n, true),
        None => (number, false),
    };
    let parts: Vec<u32> = digits
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (dotted || parts.len() > 1).then_some(parts)
}

/// The numbered headings of a text, keeping only those in increasing order (a stray match in
/// running text or a footnote numbered below the current chapter is dropped).
fn numbered_headings(lines: &[&str]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut last: Vec<u32> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(number) = heading_number(line)
            && number > last
        {
            last = number;
            out.push((i + 1, line.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    }
    out
}

/// `"1119-1123, 4996-5002"` → two ranges (front matter may list several).
pub(super) fn parse_line_list(s: &str) -> Result<Vec<LineRange>, MarkerError> {
    let mut out = Vec::new();
    let mut at = 0;
    for part in s.split(',') {
        let lead = part.len() - part.trim_start().len();
        out.push(parse_lines(part.trim()).map_err(|mut e| {
            e.offset += at + lead;
            e
        })?);
        at += part.len() + 1;
    }
    Ok(out)
}

/// What [`resolve`] found besides the notes it put into the graph.
#[derive(Debug, Default)]
pub struct Resolved {
    pub diagnostics: Vec<Diagnostic>,
    /// Content assets (paths relative to `content/`) that are source texts: not published.
    pub source_texts: HashSet<String>,
}

/// The subject of problems that follow from `citations.default_source` naming no page.
const DEFAULT_SOURCE: &str = "config:citations.default_source";

/// Resolves the citations of every page into `graph.citations`. `assets` are the site's content
/// assets (the source stage's `content_assets`).
pub fn resolve(graph: &mut SiteGraph, config: &Config, assets: &[Asset]) -> Resolved {
    let mut diags = Vec::new();
    let (texts, wanted, source_texts) = source_texts(graph, config, assets, &mut diags);
    let docs: HashMap<PageIx, Text<'_>> = wanted
        .into_iter()
        .map(|(ix, t)| (ix, Text::new(&texts[t])))
        .collect();
    let default = config.citations.default_source.as_deref();
    if let Some(d) = default
        && !graph.by_id.contains_key(d)
    {
        diags.push(
            Diagnostic::error(
                crate::config::CONFIG_FILE,
                config.citations.default_source_at,
                "unknown-source",
                format!("citations.default_source `{d}` is not a page"),
            )
            .with_hint(
                did_you_mean(d, docs.keys().map(|&i| graph.pages[i].id.as_str()))
                    .unwrap_or_else(|| "name the id of a source page".to_owned()),
            )
            .with_span(d.chars().count())
            .covering([DEFAULT_SOURCE.to_owned()]),
        );
    }
    let prefix = default
        .and_then(|d| d.find('-').map(|i| &d[..=i]))
        .unwrap_or_default();
    let ctx = Ctx {
        graph,
        docs: &docs,
        default,
        prefix,
    };
    let citations: Vec<PageCitations> = graph
        .pages
        .iter()
        .map(|page| ctx.page(page, &mut diags))
        .collect();
    graph.citations = citations;
    Resolved {
        diagnostics: diags,
        source_texts,
    }
}

/// The source texts named by pages' document field, decoded: the texts, per source page the
/// index of its text, and the asset paths they came from.
#[allow(clippy::type_complexity)]
fn source_texts(
    graph: &SiteGraph,
    config: &Config,
    assets: &[Asset],
    diags: &mut Vec<Diagnostic>,
) -> (Vec<SourceFile>, Vec<(PageIx, usize)>, HashSet<String>) {
    let field = config.citations.document_field.as_str();
    let mut texts: Vec<SourceFile> = Vec::new();
    let mut by_asset: HashMap<usize, usize> = HashMap::new();
    let mut wanted = Vec::new();
    let mut used = HashSet::new();
    for (ix, page) in graph.pages.iter().enumerate() {
        let Some(value) = page.fields.get(field) else {
            continue;
        };
        let name = value.display();
        let content_rel = page.file.strip_prefix("content/").unwrap_or(&page.file);
        let folder = content_rel.rsplit_once('/').map_or("", |(f, _)| f);
        let found: Vec<usize> = assets
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                if name.contains('/') {
                    a.rel_path == format!("{folder}/{name}").trim_start_matches('/')
                } else {
                    a.rel_path.rsplit('/').next() == Some(name.as_str())
                }
            })
            .map(|(i, _)| i)
            .collect();
        let at = || page.locate(&[Seg::Key(field), Seg::Value(&name)]);
        let asset = match found[..] {
            [a] => a,
            [] => {
                diags.push(
                    Diagnostic::error(
                        &page.file,
                        at(),
                        "missing-source-text",
                        format!("no source text `{name}` under content/"),
                    )
                    .with_hint(format!(
                        "put the text at content/{folder}/tekster/{name} (a .txt file travels with the content)"
                    ))
                    .with_span(name.chars().count()),
                );
                continue;
            }
            _ => {
                diags.push(
                    Diagnostic::error(
                        &page.file,
                        at(),
                        "ambiguous-source-text",
                        format!("{} files under content/ are named `{name}`", found.len()),
                    )
                    .with_hint(format!(
                        "write the path relative to content/{folder}/, e.g. `{}`",
                        assets[found[0]]
                            .rel_path
                            .strip_prefix(&format!("{folder}/"))
                            .unwrap_or(&assets[found[0]].rel_path)
                    ))
                    .with_span(name.chars().count()),
                );
                continue;
            }
        };
        used.insert(assets[asset].rel_path.clone());
        let t = if let Some(&t) = by_asset.get(&asset) {
            t
        } else {
            let rel_path = format!("content/{}", assets[asset].rel_path);
            let Ok(text) = String::from_utf8(assets[asset].bytes.clone()) else {
                diags.push(
                    Diagnostic::error(
                        &rel_path,
                        Position { line: 1, column: 1 },
                        "invalid-utf8",
                        "a source text must be UTF-8",
                    )
                    .with_hint("save the text as UTF-8"),
                );
                continue;
            };
            texts.push(SourceFile {
                rel_path,
                text: crate::source::normalise(text),
            });
            by_asset.insert(asset, texts.len() - 1);
            texts.len() - 1
        };
        wanted.push((ix, t));
    }
    (texts, wanted, used)
}

struct Ctx<'g, 't> {
    graph: &'g SiteGraph,
    docs: &'g HashMap<PageIx, Text<'t>>,
    default: Option<&'g str>,
    /// Prefix of the default source's id (`kilde-`), which a marker may leave out.
    prefix: &'g str,
}

/// Where a problem of one reference is reported.
struct At<'p> {
    page: &'p Page,
    pos: Position,
    span: usize,
}

impl At<'_> {
    fn error(&self, code: &'static str, message: String, hint: String) -> Diagnostic {
        Diagnostic::error(&self.page.file, self.pos, code, message)
            .with_hint(hint)
            .with_span(self.span)
    }
}

impl Ctx<'_, '_> {
    fn page(&self, page: &Page, diags: &mut Vec<Diagnostic>) -> PageCitations {
        let mut out = PageCitations::default();
        let mut by_key: HashMap<(PageIx, LineRange), usize> = HashMap::new();
        for c in &page.body.citations {
            let at = At {
                page,
                pos: c.pos,
                span: c.span,
            };
            let Some(source) = self.source_of(c.doc.as_deref(), &at, diags) else {
                out.markers.push(usize::MAX);
                continue;
            };
            let passage = self.passage(source, c.lines, &at, diags);
            let n = *by_key.entry((source, c.lines)).or_insert_with(|| {
                out.notes.push(Note {
                    source: Some(source),
                    source_id: self.graph.pages[source].id.clone(),
                    section: None,
                    lines: None,
                    note: None,
                    passages: passage.into_iter().collect(),
                    markers: 0,
                });
                out.notes.len() - 1
            });
            out.notes[n].markers += 1;
            out.markers.push(n);
        }
        for s in &page.sources {
            let source = self.graph.by_id.get(&s.source).copied();
            let mut passages = Vec::new();
            let mut ranges = Vec::new();
            if let Some(lines) = &s.lines {
                let pos = page.locate(&[Seg::Key("sources"), Seg::Value(lines)]);
                match parse_line_list(lines) {
                    Ok(r) => ranges = r,
                    Err(e) => diags.push(
                        Diagnostic::error(
                            &page.file,
                            Position {
                                column: pos.column + lines[..e.offset].chars().count(),
                                ..pos
                            },
                            e.code,
                            e.message,
                        )
                        .with_hint(e.hint)
                        .with_span(e.len),
                    ),
                }
                let at = At {
                    page,
                    pos,
                    span: lines.chars().count(),
                };
                if let Some(source) = source
                    && self.docs.contains_key(&source)
                {
                    for &r in &ranges {
                        passages.extend(self.passage(source, r, &at, diags));
                    }
                }
            }
            if let (Some(quote), Some(source)) = (&s.quote, source) {
                let at = At {
                    page,
                    pos: page.locate(&[Seg::Key("sources"), Seg::Value(quote)]),
                    span: quote.chars().count(),
                };
                diags.extend(self.check_quote(source, quote, &passages, &at));
            }
            // A front-matter source for exactly one passage that the body cites too joins
            // that note.
            let cited = match (source, &ranges[..]) {
                (Some(src), [r]) => by_key.get(&(src, *r)).copied(),
                _ => None,
            };
            if let Some(n) = cited {
                let note = &mut out.notes[n];
                note.section.clone_from(&s.section);
                note.note.clone_from(&s.note);
                continue;
            }
            out.notes.push(Note {
                source,
                source_id: s.source.clone(),
                section: s.section.clone(),
                lines: s.lines.clone(),
                note: s.note.clone(),
                passages,
                markers: 0,
            });
        }
        out
    }

    /// The page a marker cites: as written, with the default prefix, or the default source.
    fn source_of(
        &self,
        doc: Option<&str>,
        at: &At<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<PageIx> {
        let Some(doc) = doc else {
            let found = self.default.and_then(|d| self.graph.by_id.get(d).copied());
            if found.is_none() {
                let d = at.error(
                    "unknown-source",
                    "this citation names no document, and the site has no default source".to_owned(),
                    "set `citations: { default_source: <id> }` in veiviser.yaml, or write `[@<id>:lines]`"
                        .to_owned(),
                );
                // A default source that names no page is the root cause, reported once.
                diags.push(if self.default.is_some() {
                    d.about(DEFAULT_SOURCE.to_owned())
                } else {
                    d
                });
            }
            return found;
        };
        let found = self
            .graph
            .by_id
            .get(doc)
            .or_else(|| self.graph.by_id.get(&format!("{}{doc}", self.prefix)))
            .copied();
        match found {
            Some(ix) if self.docs.contains_key(&ix) => Some(ix),
            Some(ix) => {
                diags.push(at.error(
                    "no-source-text",
                    format!("`{}` has no source text to quote", self.graph.pages[ix].id),
                    "cite a page whose document field names a .txt file under content/".to_owned(),
                ));
                None
            }
            None => {
                let hint = did_you_mean(
                    doc,
                    self.docs.keys().map(|&i| self.graph.pages[i].id.as_str()),
                )
                .or_else(|| {
                    did_you_mean(
                        &format!("{}{doc}", self.prefix),
                        self.docs.keys().map(|&i| self.graph.pages[i].id.as_str()),
                    )
                })
                .unwrap_or_else(|| {
                    let mut ids: Vec<&str> = self
                        .docs
                        .keys()
                        .map(|&i| self.graph.pages[i].id.as_str())
                        .collect();
                    ids.sort_unstable();
                    format!("the documents are: {}", ids.join(", "))
                });
                diags.push(at.error(
                    "unknown-source",
                    format!("`{doc}` is not a source document"),
                    hint,
                ));
                None
            }
        }
    }

    /// The quoted passage, or a diagnostic when the lines are outside the text.
    fn passage(
        &self,
        source: PageIx,
        lines: LineRange,
        at: &At<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Passage> {
        let text = self.docs.get(&source)?;
        let count = text.lines.len();
        if lines.end > count {
            diags.push(at.error(
                "line-out-of-range",
                format!(
                    "line {} is past the end of {} ({count} lines)",
                    if lines.start > count {
                        lines.start
                    } else {
                        lines.end
                    },
                    text.file
                ),
                format!(
                    "{} has lines 1–{count}; check the line numbers against the current text",
                    self.graph.pages[source].id
                ),
            ));
            return None;
        }
        Some(text.passage(lines))
    }

    /// The `quote-not-found` problem when `quote` is in none of the cited `passages` of `source`.
    fn check_quote(
        &self,
        source: PageIx,
        quote: &str,
        passages: &[Passage],
        at: &At<'_>,
    ) -> Option<Diagnostic> {
        let text = self.docs.get(&source)?;
        let phrase = collapse(quote);
        if passages
            .iter()
            .any(|p| text.words(p.lines).contains(&phrase))
        {
            return None;
        }
        let hint = match text.find(&phrase) {
            Some(now) => format!(
                "the phrase is now at lines {}-{} of {}: update `lines`",
                now.start, now.end, text.file
            ),
            None => format!(
                "the phrase is nowhere in {}: the source changed; check the claim and the `quote`",
                text.file
            ),
        };
        let lines: Vec<String> = passages.iter().map(|p| p.lines.to_string()).collect();
        Some(at.error(
            "quote-not-found",
            format!(
                "quote «{quote}» is not in the cited lines ({})",
                if lines.is_empty() {
                    "none".to_owned()
                } else {
                    lines.join(", ")
                }
            ),
            hint,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> SourceFile {
        SourceFile::inline("content/kilder/tekster/a.txt", body)
    }

    #[test]
    fn numbered_headings_skip_footnotes_and_sentences() {
        let src = text(
            "Sammendrag\n1. Oppdragets formål\ntekst\n1.1 Bakgrunn\n2 Legeforeningen (2019): Suksess\n3.3.4 Kristiansand\n2 Lege- og behandlertelefonen tilbyr\n4.1 Dette er en setning.\n",
        );
        let t = Text::new(&src);
        let found: Vec<_> = t.headings.iter().map(|(l, h)| (*l, h.as_str())).collect();
        assert_eq!(
            found,
            [
                (2, "1. Oppdragets formål"),
                (4, "1.1 Bakgrunn"),
                (6, "3.3.4 Kristiansand")
            ]
        );
        assert_eq!(t.section_at(1), None);
        assert_eq!(t.section_at(3).as_deref(), Some("1. Oppdragets formål"));
        assert_eq!(t.section_at(7).as_deref(), Some("3.3.4 Kristiansand"));
    }

    #[test]
    fn a_passage_quotes_only_its_lines_and_joins_wrapped_ones() {
        let src = text("før\n\nførste del av \n\nsetningen fortsetter\n• punkt\netter\n");
        let p = Text::new(&src).passage(LineRange { start: 3, end: 6 });
        assert_eq!(
            p.quote,
            [
                Some("første del av setningen fortsetter".to_owned()),
                Some("• punkt".to_owned())
            ]
        );
    }

    #[test]
    fn long_passages_are_shortened_with_a_gap() {
        let body = (1..=20)
            .map(|i| format!("linje{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let src = text(&body);
        let p = Text::new(&src).passage(LineRange { start: 1, end: 20 });
        assert_eq!(p.quote.len(), 3, "{:?}", p.quote);
        assert_eq!(p.quote[1], None);
        let head = p.quote[0].as_deref().unwrap();
        assert!(
            head.starts_with("linje1 ") && head.ends_with("linje5"),
            "{head}"
        );
        assert_eq!(p.quote[2].as_deref(), Some("linje18 linje19 linje20"));
    }

    #[test]
    fn form_feeds_give_page_numbers() {
        let src = text("a\nb\n\u{c}c\nd\n\u{c}e\n");
        let t = Text::new(&src);
        assert_eq!(
            t.passage(LineRange { start: 2, end: 4 }).pages,
            Some((1, 2))
        );
        assert_eq!(
            t.passage(LineRange { start: 5, end: 5 }).pages,
            Some((3, 3))
        );
        assert_eq!(
            Text::new(&text("a\n"))
                .passage(LineRange { start: 1, end: 1 })
                .pages,
            None
        );
    }

    #[test]
    fn a_moved_phrase_is_found_across_wrapped_lines() {
        let src = text("x\n\nsvar konkret, \n\nikke send hele\n\nepikriser\n");
        let t = Text::new(&src);
        assert_eq!(
            t.find(&collapse("ikke send  HELE epikriser")),
            Some(LineRange { start: 5, end: 7 })
        );
        assert_eq!(t.find("finnes ikke"), None);
    }

    #[test]
    fn line_lists_report_the_offset_of_the_bad_part() {
        assert_eq!(
            parse_line_list("1119-1123, 4996-5002").unwrap(),
            [
                LineRange {
                    start: 1119,
                    end: 1123
                },
                LineRange {
                    start: 4996,
                    end: 5002
                }
            ]
        );
        let e = parse_line_list("1-2, 9-3").unwrap_err();
        assert_eq!((e.code, e.offset), ("reversed-range", 5));
    }
}
