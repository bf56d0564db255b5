//! Citation markers in body text: `[@3360-3372]`, `[@kilde-lf-nhsp-innspill-2022:40-52]`,
//! `[@1979]` → [`Marker`]s, and line ranges (`"1979-1983"`, `"1979–1983"`) → [`LineRange`].
//!
//! In: a run of plain text (the Markdown stage hands over text outside code and links) or a
//! `lines:` value of front matter. Out: the text split into pieces and markers, and every
//! malformed marker as a [`MarkerError`] with its byte offset, so the caller can report it at
//! `file:line:column`. Whether the document exists and the lines are inside its text is decided
//! later (`graph::citations`), when all pages and source texts are known.
//!
//! Written by hand: the grammar is one regular line (`[@` id? `:`? range `]`), and a regex would
//! not give the per-part error columns and hints editors need.

/// An inclusive range of 1-based line numbers in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct LineRange {
    pub start: usize,
    pub end: usize,
}

impl std::fmt::Display for LineRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}–{}", self.start, self.end)
        }
    }
}

/// A citation marker found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Marker {
    /// The document as written (`kilde-lf-nhsp-2024-2027`, `lf-nhsp-2024-2027`); `None` cites
    /// the site's default source.
    pub doc: Option<String>,
    pub lines: LineRange,
    /// Byte offset of the `[` in the text given to [`split`].
    pub offset: usize,
    /// Length of the marker in characters (for the diagnostic's underline).
    pub len: usize,
}

/// A piece of text given to [`split`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    Text(&'a str),
    Marker(Marker),
}

/// Why a marker or a line range cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerError {
    /// Byte offset (in the text given) where the problem starts.
    pub offset: usize,
    /// Characters to underline.
    pub len: usize,
    /// Diagnostic code: `bad-citation`, `reversed-range` or `ambiguous-range`.
    pub code: &'static str,
    pub message: String,
    pub hint: String,
}

const OPEN: &str = "[@";

/// Splits `text` into plain pieces and markers. A malformed marker is reported and kept as text.
pub(super) fn split(text: &str) -> (Vec<Piece<'_>>, Vec<MarkerError>) {
    let mut pieces = Vec::new();
    let mut errors = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(found) = text[at..].find(OPEN) {
        let start = at + found;
        let inner_from = start + OPEN.len();
        let Some(close) = text[inner_from..].find(']') else {
            errors.push(MarkerError {
                offset: start,
                len: 2,
                code: "bad-citation",
                message: "citation marker `[@` is not closed".to_owned(),
                hint: "write `[@1979-1983]`, or `\\[@` for a literal `[@`".to_owned(),
            });
            break;
        };
        let inner = &text[inner_from..inner_from + close];
        let end = inner_from + close + 1;
        match parse_inner(inner) {
            Ok((doc, lines)) => {
                // A marker sits against the word it supports, as a footnote reference does:
                // `initiativet [@1979-1983].` reads "initiativet¹.", and the space between
                // two adjacent markers goes too.
                let before = text[plain_from..start].trim_end_matches(' ');
                if !before.is_empty() {
                    pieces.push(Piece::Text(before));
                }
                pieces.push(Piece::Marker(Marker {
                    doc,
                    lines,
                    offset: start,
                    len: text[start..end].chars().count(),
                }));
                plain_from = end;
            }
            Err(mut e) => {
                e.offset += inner_from;
                errors.push(e);
            }
        }
        at = end;
    }
    if plain_from < text.len() {
        pieces.push(Piece::Text(&text[plain_from..]));
    }
    (pieces, errors)
}

/// `doc:range` or `range` (the text between `[@` and `]`); error offsets are within `inner`.
fn parse_inner(inner: &str) -> Result<(Option<String>, LineRange), MarkerError> {
    let (doc, range, range_at) = match inner.rfind(':') {
        Some(colon) => (Some(&inner[..colon]), &inner[colon + 1..], colon + 1),
        None => (None, inner, 0),
    };
    if let Some(doc) = doc {
        let ok = !doc.is_empty()
            && doc
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(MarkerError {
                offset: 0,
                len: doc.chars().count().max(1),
                code: "bad-citation",
                message: format!("`{doc}` is not a source id"),
                hint:
                    "name the source by the id of its page, e.g. `[@kilde-lf-nhsp-2024-2027:40-52]`"
                        .to_owned(),
            });
        }
    }
    let lines = parse_lines(range).map_err(|mut e| {
        e.offset += range_at;
        e
    })?;
    Ok((doc.map(str::to_owned), lines))
}

/// Reads `1979`, `1979-1983` or `1979–1983` (spaces around the dash allowed). Error offsets are
/// within `s`.
pub fn parse_lines(s: &str) -> Result<LineRange, MarkerError> {
    let bad = |what: &str| MarkerError {
        offset: 0,
        len: s.chars().count().max(1),
        code: "bad-citation",
        message: format!("`{s}` is not a line or line range{what}"),
        hint: "write one line (`1979`) or a range (`1979-1983`)".to_owned(),
    };
    let (a, b) = match s.split_once(['-', '–']) {
        Some((a, b)) => (a.trim(), Some(b.trim())),
        None => (s.trim(), None),
    };
    let number = |t: &str| -> Option<usize> {
        (!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let start = number(a).ok_or_else(|| bad(""))?;
    let end = match b {
        Some(b) => number(b).ok_or_else(|| bad(""))?,
        None => start,
    };
    if start == 0 {
        return Err(bad(": lines are counted from 1"));
    }
    if end < start {
        let (a, b) = (a.to_owned(), b.unwrap_or_default().to_owned());
        // `1979-83`: probably shorthand for 1979–1983, but the reader cannot know.
        if b.len() < a.len() {
            let guess = format!("{}{b}", &a[..a.len() - b.len()]);
            return Err(MarkerError {
                offset: 0,
                len: s.chars().count(),
                code: "ambiguous-range",
                message: format!("line range `{s}` is ambiguous: the end is before the start"),
                hint: format!("write both ends in full, e.g. `{a}-{guess}`"),
            });
        }
        return Err(MarkerError {
            offset: 0,
            len: s.chars().count(),
            code: "reversed-range",
            message: format!("line range `{s}` is reversed"),
            hint: format!("write the first line first: `{b}-{a}`"),
        });
    }
    Ok(LineRange { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        split(text)
            .0
            .into_iter()
            .filter_map(|p| match p {
                Piece::Text(t) => Some(t),
                Piece::Marker(_) => None,
            })
            .collect()
    }

    #[test]
    fn regression_space_before_a_marker_rendered_apart_from_its_word() {
        assert_eq!(
            texts("initiativet [@1979-1983]. Svar"),
            ["initiativet", ". Svar"]
        );
        assert_eq!(texts("a [@1] [@2] b"), ["a", " b"]);
        assert_eq!(texts("a[@1]"), ["a"]);
    }

    fn markers(text: &str) -> Vec<(Option<String>, usize, usize, usize)> {
        let (pieces, errors) = split(text);
        assert!(errors.is_empty(), "{errors:?}");
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Marker(m) => Some((m.doc.clone(), m.lines.start, m.lines.end, m.offset)),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn default_source_named_source_and_single_line() {
        assert_eq!(
            markers("Slik [@3360-3372]. Og [@kilde-lf-nhsp-2024-2027:40–52], [@1979]"),
            [
                (None, 3360, 3372, 5),
                (Some("kilde-lf-nhsp-2024-2027".to_owned()), 40, 52, 22),
                // Byte offsets: the en dash is three bytes.
                (None, 1979, 1979, 58)
            ]
        );
    }

    #[test]
    fn adjacent_markers_are_separate() {
        let (pieces, errors) = split("ord[@1][@lf-x:2-3] slutt");
        assert!(errors.is_empty());
        assert_eq!(pieces.len(), 4, "{pieces:?}");
        assert_eq!(pieces[0], Piece::Text("ord"));
        assert_eq!(pieces[3], Piece::Text(" slutt"));
        assert_eq!(markers("[@1][@lf-x:2-3]").len(), 2);
    }

    #[test]
    fn text_without_markers_is_one_piece() {
        let (pieces, errors) = split("[lenke] og @navn og [x@y]");
        assert!(errors.is_empty());
        assert_eq!(pieces, [Piece::Text("[lenke] og @navn og [x@y]")]);
    }

    #[test]
    fn malformed_markers_are_errors_at_their_column() {
        let (pieces, errors) = split("a [@12x] b [@Kilde:3] c [@5");
        let found: Vec<_> = errors.iter().map(|e| (e.code, e.offset)).collect();
        assert_eq!(
            found,
            [
                ("bad-citation", 4),
                ("bad-citation", 13),
                ("bad-citation", 24)
            ]
        );
        // The malformed text is kept, not lost.
        let text: String = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => *t,
                Piece::Marker(_) => "",
            })
            .collect();
        assert_eq!(text, "a [@12x] b [@Kilde:3] c [@5");
    }

    #[test]
    fn reversed_and_ambiguous_ranges_are_told_apart() {
        let (_, errors) = split("x [@1983-1979] y [@1979-83]");
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.code, e.offset, e.hint.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "reversed-range",
                    4,
                    "write the first line first: `1979-1983`"
                ),
                (
                    "ambiguous-range",
                    19,
                    "write both ends in full, e.g. `1979-1983`"
                )
            ]
        );
    }

    #[test]
    fn line_ranges_accept_dashes_and_spaces_and_refuse_zero() {
        assert_eq!(
            parse_lines("1979 – 1983"),
            Ok(LineRange {
                start: 1979,
                end: 1983
            })
        );
        assert_eq!(parse_lines("7").map(|r| r.to_string()), Ok("7".into()));
        assert_eq!(parse_lines("0-3").unwrap_err().code, "bad-citation");
        assert_eq!(parse_lines("1, 3").unwrap_err().code, "bad-citation");
    }
}
