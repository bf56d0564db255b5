//! Diagnostics and errors shared by every stage.
//!
//! A problem in the *site* (bad front matter, a dangling reference, a broken link) is a
//! [`Diagnostic`]: it carries the file, line and column, a stable code, a message and an optional
//! hint, and every stage collects all of them instead of stopping at the first. A problem that
//! stops the run itself (an unreadable root folder, a full disk) is an [`Error`].
//!
//! Rendering for humans goes through `annotate-snippets`, for CI through one JSON object per line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

/// How bad a diagnostic is. Errors fail the build; warnings are reported and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem found in the site, with everything needed to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Path relative to the site root, `/`-separated.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    /// Stable machine-readable code such as `unknown-key` or `broken-link`.
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The source line the diagnostic points at (for the snippet); not serialised.
    #[serde(skip)]
    pub source_line: Option<String>,
    /// Length in characters of the highlighted span on `source_line`.
    #[serde(skip)]
    pub span_len: usize,
    /// What a problem is about, when it is about something another problem may explain:
    /// `id:takst-l8`, `url:takster/l8/`, `file:content/takster/l8.md`. See [`hide_follow_ons`].
    #[serde(skip)]
    pub subject: Option<String>,
    /// Subjects this problem explains: a page that failed to parse explains every link to it,
    /// a page gone from a locked URL every link to its old id. See [`hide_follow_ons`].
    #[serde(skip)]
    pub covers: Vec<String>,
}

impl Diagnostic {
    /// An error at `file:pos`.
    pub fn error(
        file: impl Into<String>,
        pos: Position,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line: pos.line,
            column: pos.column,
            severity: Severity::Error,
            code,
            message: message.into(),
            hint: None,
            source_line: None,
            span_len: 1,
            subject: None,
            covers: Vec::new(),
        }
    }

    /// A warning at `file:pos`.
    pub fn warning(
        file: impl Into<String>,
        pos: Position,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, pos, code, message)
        }
    }

    /// Adds a hint ("did you mean …?", "add `aliases: …`").
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches the source line so the human rendering can show a snippet. `text` is the whole
    /// file; the line is looked up from `self.line`.
    #[must_use]
    pub fn with_source(mut self, text: &str, span_len: usize) -> Self {
        if self.line > 0 {
            self.source_line = text.lines().nth(self.line - 1).map(str::to_owned);
        }
        self.span_len = span_len.max(1);
        self
    }

    /// Sets the length of the highlighted span; the pipeline attaches the source line later.
    #[must_use]
    pub fn with_span(mut self, span_len: usize) -> Self {
        self.span_len = span_len.max(1);
        self
    }

    /// Says what the problem is about (`id:…`, `url:…`, `file:…`), so a root cause can hide it.
    #[must_use]
    pub fn about(mut self, subject: String) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Says which subjects this problem explains (see [`hide_follow_ons`]).
    #[must_use]
    pub fn covering(mut self, subjects: impl IntoIterator<Item = String>) -> Self {
        self.covers.extend(subjects);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column: severity[code]: message` — the one-line form used in overlays.
    pub fn headline(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            format!("{}: {sev}[{}]: {}", self.file, self.code, self.message)
        } else {
            format!(
                "{}:{}:{}: {sev}[{}]: {}",
                self.file, self.line, self.column, self.code, self.message
            )
        }
    }

    /// Multi-line human rendering with a source snippet and the hint.
    pub fn render(&self, renderer: &Renderer) -> String {
        let clean = Diagnostic {
            file: printable(&self.file).into_owned(),
            message: printable(&self.message).into_owned(),
            hint: self.hint.as_deref().map(|h| printable(h).into_owned()),
            source_line: self
                .source_line
                .as_deref()
                .map(|l| printable(l).into_owned()),
            ..self.clone()
        };
        clean.render_printable(renderer)
    }

    fn render_printable(&self, renderer: &Renderer) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(&self.message).id(self.code);
        let mut group = match &self.source_line {
            Some(line) if self.line > 0 => {
                let start = char_to_byte(line, self.column.saturating_sub(1));
                let end =
                    char_to_byte(line, self.column.saturating_sub(1) + self.span_len).max(start);
                title.element(
                    Snippet::source(line.as_str())
                        .line_start(self.line)
                        .path(self.file.as_str())
                        .annotation(AnnotationKind::Primary.span(start..end)),
                )
            }
            _ => title.element(annotate_snippets::Origin::path(self.location())),
        };
        if let Some(hint) = &self.hint {
            group = group.element(Level::HELP.message(hint.as_str()));
        }
        let report: [Group<'_>; 1] = [group];
        renderer.render(&report)
    }

    fn location(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

fn char_to_byte(line: &str, chars: usize) -> usize {
    line.char_indices()
        .nth(chars)
        .map_or(line.len(), |(i, _)| i)
}

/// `text` safe to print on a terminal: control characters (an ESC from a hostile title or file
/// name could recolour, retitle or clear the editor's terminal) become `\u{fffd}`, one character
/// each, so columns stay right. Tabs stay.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        text.chars()
            .map(|c| {
                if c.is_control() && c != '\t' {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Renders all diagnostics for a terminal (or a plain pipe when `color` is false), errors and
/// warnings in the order given, followed by a one-line count.
pub fn render_all(diags: &[Diagnostic], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render(&renderer));
        out.push_str("\n\n");
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let _ = writeln!(out, "{errors} error(s), {warnings} warning(s)");
    out
}

/// Most problems reported for one file; more are summed up in one line. A file with thousands
/// of mistakes (a pasted list, a wrong encoding) is fixed from the top, and thousands of lines
/// would bury the other files' problems and cost time to locate and print.
pub const MAX_PER_FILE: usize = 50;

/// Keeps the first [`MAX_PER_FILE`] diagnostics of each file (in the order given) and adds one
/// `too-many-problems` diagnostic per file saying how many more there were.
pub fn cap_per_file(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen: std::collections::HashMap<String, (usize, usize, bool)> =
        std::collections::HashMap::new();
    let mut kept = Vec::with_capacity(diags.len().min(4096));
    for d in diags {
        let entry = seen.entry(d.file.clone()).or_insert((0, 0, false));
        if entry.0 < MAX_PER_FILE {
            entry.0 += 1;
            kept.push(d);
        } else {
            entry.1 += 1;
            entry.2 |= d.is_error();
        }
    }
    let mut over: Vec<_> = seen.into_iter().filter(|(_, v)| v.1 > 0).collect();
    over.sort();
    for (file, (_, more, error)) in over {
        let message = format!("{more} more problems in this file are not shown");
        let d = if error {
            Diagnostic::error(file, Position::default(), "too-many-problems", message)
        } else {
            Diagnostic::warning(file, Position::default(), "too-many-problems", message)
        };
        kept.push(d.with_hint("fix the problems shown, then build again to see the rest"));
    }
    kept
}

/// Root cause first: removes every problem whose subject another shown problem covers (the
/// links, relations and `urls.lock` entries that fail only because a page did not parse, or was
/// renamed), and tells each root cause how many it hid. Subjects are compared ignoring ASCII case:
/// a code's short URL (`/takster/L8/`) is its page's URL in other letters. A hidden problem that
/// is real shows again once its root cause is fixed.
pub fn hide_follow_ons(diags: &mut Vec<Diagnostic>) {
    if diags.iter().all(|d| d.covers.is_empty()) {
        return;
    }
    let key = |s: &str| s.to_ascii_lowercase();
    // Who covers what, hidden or not: a root cause's follow-on may itself cover others (a page
    // that failed to parse takes its locked URL with it, and that URL's old id), and those go
    // to the root cause at the top.
    let mut covered: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, d) in diags.iter().enumerate() {
        for c in &d.covers {
            covered.entry(key(c)).or_insert(i);
        }
    }
    let mut hidden_by: Vec<Option<usize>> = vec![None; diags.len()];
    let top = |hidden_by: &[Option<usize>], mut i: usize| {
        while let Some(p) = hidden_by[i] {
            i = p;
        }
        i
    };
    for (i, d) in diags.iter().enumerate() {
        if let Some(&by) = d.subject.as_deref().and_then(|s| covered.get(&key(s)))
            && top(&hidden_by, by) != i
        {
            hidden_by[i] = Some(by);
        }
    }
    let mut counts = vec![0usize; diags.len()];
    for i in 0..diags.len() {
        if hidden_by[i].is_some() {
            counts[top(&hidden_by, i)] += 1;
        }
    }
    let hidden: Vec<bool> = hidden_by.iter().map(Option::is_some).collect();
    let mut i = 0;
    diags.retain_mut(|d| {
        let keep = !hidden[i];
        let n = counts[i];
        i += 1;
        if keep && n > 0 {
            let note = format!(
                "{n} follow-on problem{} hidden (they fail only because of this one); fix this first",
                if n == 1 { "" } else { "s" }
            );
            d.hint = Some(match d.hint.take() {
                Some(h) => format!("{h}; {note}"),
                None => note,
            });
        }
        keep
    });
}

/// Sorts diagnostics by file and position so output is stable across runs and thread counts.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (
            a.file.as_str(),
            a.line,
            a.column,
            a.code,
            a.message.as_str(),
        )
            .cmp(&(
                b.file.as_str(),
                b.line,
                b.column,
                b.code,
                b.message.as_str(),
            ))
    });
}

/// "did you mean `x`?" for the closest candidate within a small edit distance.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::normalized_damerau_levenshtein(wanted, c);
        // Ties go to the alphabetically first name, so hints do not depend on hash order.
        if score >= 0.7
            && best.is_none_or(|(b, s)| score > s || ((score - s).abs() < f64::EPSILON && c < b))
        {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| format!("did you mean `{c}`?"))
}

/// Failures that stop a run (as opposed to problems in the site, which are diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    /// The site has errors; the diagnostics say which.
    #[error("the site has {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Site(Vec<Diagnostic>),
}

impl Error {
    pub fn read(path: &Path, source: std::io::Error) -> Self {
        Self::Read {
            path: path.to_owned(),
            source,
        }
    }
    pub fn write(path: &Path, source: std::io::Error) -> Self {
        Self::Write {
            path: path.to_owned(),
            source,
        }
    }
}

/// Result alias for run-stopping failures.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Byte offsets of line starts, for turning many offsets of one text into positions without
/// rescanning the text each time.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    /// Line and column (1-based, characters) of byte offset `offset`.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Position { line, column }
    }
}

/// Line and column (1-based, characters) of byte offset `offset` in `text`.
pub fn position_at(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_output_carries_no_control_characters() {
        let d = Diagnostic::error(
            "content/a\u{1b}]0;x\u{7}.md",
            Position { line: 1, column: 3 },
            "x",
            "unknown key `\u{1b}[2J`",
        )
        .with_hint("\u{9b}31m")
        .with_source("a:\u{1b}[31m b", 1);
        let text = render_all(&[d], false);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("unknown key `\u{fffd}[2J`"), "{text}");
        assert_eq!(printable("tab\tok"), "tab\tok");
    }

    #[test]
    fn follow_ons_of_a_missing_page_are_hidden_behind_their_root_cause() {
        let at = Position { line: 1, column: 1 };
        let mut diags = vec![
            Diagnostic::error("urls.lock", at, "locked-url", "/om/ was published")
                .about("url:om/".into())
                .covering(["id:side-om".into()]),
            Diagnostic::error("content/a.md", at, "broken-link", "[[side-om]]")
                .about("id:side-om".into()),
            Diagnostic::error("content/b.md", at, "broken-link", "[[annen]]")
                .about("id:annen".into()),
            Diagnostic::error("content/om.md", at, "yaml", "bad")
                .covering(["url:OM/".into(), "file:content/om.md".into()]),
        ];
        hide_follow_ons(&mut diags);
        let codes: Vec<_> = diags.iter().map(|d| (d.file.as_str(), d.code)).collect();
        assert_eq!(
            codes,
            [("content/b.md", "broken-link"), ("content/om.md", "yaml")]
        );
        assert_eq!(
            diags[1].hint.as_deref(),
            Some(
                "2 follow-on problems hidden (they fail only because of this one); fix this first"
            )
        );
    }

    #[test]
    fn problems_are_capped_per_file_with_a_summary() {
        let mut diags: Vec<Diagnostic> = (0..MAX_PER_FILE + 7)
            .map(|i| {
                Diagnostic::error(
                    "a.md",
                    Position {
                        line: i + 1,
                        column: 1,
                    },
                    "x",
                    "m",
                )
            })
            .collect();
        diags.push(Diagnostic::warning("b.md", Position::default(), "y", "m"));
        let capped = cap_per_file(diags);
        assert_eq!(capped.len(), MAX_PER_FILE + 2);
        let last = capped.last().unwrap();
        assert_eq!(
            (
                last.file.as_str(),
                last.code,
                last.message.as_str(),
                last.is_error()
            ),
            (
                "a.md",
                "too-many-problems",
                "7 more problems in this file are not shown",
                true
            )
        );
    }

    #[test]
    fn position_counts_lines_and_characters() {
        let text = "ab\næøå x\n";
        assert_eq!(position_at(text, 0), Position { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(position_at(text, x), Position { line: 2, column: 5 });
    }

    #[test]
    fn line_index_agrees_with_position_at() {
        let text = "ab\næøå x\n\nslutt";
        let index = LineIndex::new(text);
        for offset in (0..=text.len()).filter(|o| text.is_char_boundary(*o)) {
            assert_eq!(
                index.position(offset),
                position_at(text, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn did_you_mean_finds_close_names_only() {
        let keys = ["title", "summary", "sources"];
        assert_eq!(
            did_you_mean("titel", keys).as_deref(),
            Some("did you mean `title`?")
        );
        assert_eq!(did_you_mean("zzz", keys), None);
    }

    #[test]
    fn render_shows_location_snippet_and_hint() {
        let text = "---\ntitel: x\n---\n";
        let d = Diagnostic::error(
            "content/a.md",
            Position { line: 2, column: 1 },
            "unknown-key",
            "unknown key `titel`",
        )
        .with_hint("did you mean `title`?")
        .with_source(text, 5);
        let out = d.render(&Renderer::plain());
        assert!(out.contains("content/a.md:2:1"), "{out}");
        assert!(out.contains("titel: x"), "{out}");
        assert!(out.contains("did you mean `title`?"), "{out}");
    }
}
