//! YAML helpers shared by `config` and `page`: parsing through the `serde_yaml` API with errors
//! turned into diagnostics, and a *locator* that finds where a key or value sits in the text.
//!
//! Why a hand-written locator: `serde_yaml` reports a position for syntax and type errors, but a
//! parsed `Value` carries no spans, so checks made after parsing (an unknown kind, a dangling
//! reference) would have no line to point at. The locator walks the text by indentation, which
//! is how editors read YAML too; it only has to be right for the block and flow styles front
//! matter uses, and it falls back to the key's line.

use crate::error::{Diagnostic, Position};

/// One step of a path into a YAML document.
#[derive(Debug, Clone, Copy)]
pub enum Seg<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A scalar value somewhere under the current key (first occurrence).
    Value(&'a str),
}

/// Turns a `serde_yaml` error from parsing `yaml` into a diagnostic on `text`, the whole file.
/// `line_offset` is the number of file lines before `yaml` (front matter starts after the opening
/// `---`).
///
/// The position is computed here from the parser's byte index, not taken from its line and
/// column: libyaml also breaks lines at `\r`, U+0085, U+2028 and U+2029, so its line numbers
/// drift from the file's (found by the `front_matter` fuzz target: a U+2029 in a value put the
/// error past the end of its line). Lines here are split at `\n`, as editors and every other
/// diagnostic count them.
pub fn error_to_diagnostic(
    file: &str,
    text: &str,
    yaml: &str,
    err: &serde_yaml::Error,
    line_offset: usize,
) -> Diagnostic {
    let (pos, message, span) = match err.location() {
        Some(loc) => {
            let message = strip_location(&err.to_string());
            let mut at = position_in(yaml, loc.index());
            let mut span = 1;
            if let Some((repeat, key_len)) = repeated_key(yaml, &message, at) {
                (at, span) = (repeat, key_len);
            }
            (
                Position {
                    line: at.line + line_offset,
                    column: at.column,
                },
                message,
                span,
            )
        }
        None => (
            Position {
                line: line_offset.max(1),
                column: 1,
            },
            err.to_string(),
            1,
        ),
    };
    let pos = clamp_to_text(text, pos);
    let mut d = Diagnostic::error(file, pos, "yaml", message);
    if let Some(hint) = hint_for(&d.message) {
        d = d.with_hint(hint);
    }
    d.with_source(text, span)
}

/// Where the second `key:` of a "duplicate field `key`" (or "duplicate entry with key") error
/// is, and the key's length. serde points at the mapping that holds both, i.e. at its first key
/// (`title` on line 2 for a repeated `tags` on line 40); the editor needs the repeat. Keys of
/// that mapping are the lines from `at` at its column, up to the first line indented less.
fn repeated_key(yaml: &str, message: &str, at: Position) -> Option<(Position, usize)> {
    // The message may start with the path of the mapping (`kinds.takst: duplicate field …`).
    let key = message
        .split_once("duplicate field `")
        .or_else(|| message.split_once("duplicate entry with key \""))?
        .1
        .split(['`', '"'])
        .next()?;
    let indent = at.column.checked_sub(1)?;
    let mut seen = 0;
    for (i, line) in yaml.lines().enumerate().skip(at.line.checked_sub(1)?) {
        let content = line.trim_start_matches([' ', '-']);
        let col = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if col < indent {
            break;
        }
        let is_key = content
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'));
        if col == indent && is_key {
            seen += 1;
            if seen == 2 {
                let position = Position {
                    line: i + 1,
                    column: col + 1,
                };
                return Some((position, key.chars().count().max(1)));
            }
        }
    }
    None
}

/// Line and column (1-based, in characters) of byte `index` of `yaml`, lines split at `\n`. An
/// index inside a character or past the end is moved back to the nearest character boundary.
fn position_in(yaml: &str, index: usize) -> Position {
    let mut index = index.min(yaml.len());
    while !yaml.is_char_boundary(index) {
        index -= 1;
    }
    let before = &yaml[..index];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// An error "at the end of the input" is reported on the line after the last one when the YAML
/// ends without a newline (an unclosed chart block at the end of a page); such a position is
/// moved to the end of the text's last line.
fn clamp_to_text(text: &str, pos: Position) -> Position {
    let lines = text.split('\n').count();
    if pos.line <= lines {
        return pos;
    }
    let last = text.rsplit('\n').next().unwrap_or("");
    Position {
        line: lines,
        column: last.chars().count() + 1,
    }
}

/// `serde_yaml` appends " at line X column Y"; the diagnostic shows the position itself.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn hint_for(message: &str) -> Option<&'static str> {
    if message.contains("repetition limit") || message.contains("recursion limit") {
        Some("YAML anchors and aliases that expand too far, or nesting too deep, are refused")
    } else if message.contains("mapping values are not allowed") {
        Some("a value containing `: ` must be quoted, e.g. title: \"Takst: L8\"")
    } else if message.contains("did not find expected key") || message.contains("found character") {
        Some("check indentation, and quote values that start with `[`, `{`, `*`, `&`, `@` or `%`")
    } else {
        None
    }
}

/// Most [`locate`] calls answered for one text. Each call scans the text, so a page with
/// thousands of problems (a pasted list of 8,000 unknown ids) would otherwise cost thousands of
/// scans: minutes for one file. Only the first problems of a file are shown anyway (see
/// `pipeline`); past the budget `locate` answers `None`, and callers fall back to a coarser place.
pub const LOCATE_BUDGET: usize = 200;

/// What is left of the [`LOCATE_BUDGET`] of one text: a value its owner keeps with the text (a
/// page, a front-matter locator, a configuration check), so the count depends neither on threads
/// nor on other texts. A clone starts afresh: a cached page reused by the next compile of
/// `serve` gets its full budget again.
#[derive(Debug, Default)]
pub struct LocateBudget {
    used: std::sync::atomic::AtomicUsize,
}

impl Clone for LocateBudget {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl LocateBudget {
    /// Gives the whole budget back: a page that `serve` keeps between compiles (shared, not
    /// cloned) must locate in each compile as a fresh one would.
    pub fn reset(&self) {
        self.used.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// [`locate`], or `None` once this budget is spent.
    pub fn locate(&self, text: &str, path: &[Seg<'_>]) -> Option<Position> {
        let used = self.used.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if used >= LOCATE_BUDGET {
            return None;
        }
        locate(text, path)
    }
}

/// Finds the position of `path` in `text`; `None` if the first key is not found. Each call
/// scans the text: callers that may ask many times go through a [`LocateBudget`].
pub fn locate(text: &str, path: &[Seg<'_>]) -> Option<Position> {
    let lines: Vec<&str> = text.lines().collect();
    let mut range = 0..lines.len();
    let mut found = None;
    for seg in path {
        match *seg {
            Seg::Key(key) => {
                let (line, col, end) = find_key(&lines, range.clone(), key)?;
                found = Some(Position {
                    line: line + 1,
                    column: col + 1,
                });
                range = line..end;
            }
            Seg::Value(value) => {
                for i in range.clone() {
                    if let Some(byte) = find_word(lines[i], value) {
                        return Some(Position {
                            line: i + 1,
                            column: lines[i][..byte].chars().count() + 1,
                        });
                    }
                }
                return found;
            }
        }
    }
    found
}

/// Finds `key:` in `lines[range]` at the shallowest indentation; returns (line, char column,
/// end of the key's block).
fn find_key(
    lines: &[&str],
    range: std::ops::Range<usize>,
    key: &str,
) -> Option<(usize, usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None; // (indent, line, byte col)
    let forms = [key.to_owned(), format!("\"{key}\""), format!("'{key}'")];
    for i in range.clone() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        let body_col = line.len() - body.len();
        let matches = forms.iter().any(|k| {
            body.strip_prefix(k.as_str())
                .is_some_and(|r| r.trim_start().starts_with(':'))
        });
        if matches && best.is_none_or(|(bi, _, _)| indent < bi) {
            best = Some((indent, i, body_col));
        }
    }
    if best.is_none() {
        // Flow style (`{ type: string, requird: true }`): first occurrence anywhere. An empty key
        // (`: value`) is found at every offset: there is nothing to search for.
        if key.is_empty() {
            return None;
        }
        for i in range.clone() {
            let line = lines[i];
            let mut from = 0;
            while let Some(b) = line[from..].find(key).map(|b| b + from) {
                let before_ok = line[..b]
                    .chars()
                    .last()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-');
                let after = line[b + key.len()..].trim_start();
                if before_ok && after.starts_with(':') {
                    let col = line[..b].chars().count();
                    return Some((i, col, i + 1));
                }
                from = b + key.len();
            }
        }
        return None;
    }
    let (indent, line, byte_col) = best?;
    let mut end = line + 1;
    while end < range.end {
        let l = lines[end];
        let t = l.trim_start();
        if !t.is_empty() && !t.starts_with('#') {
            let ind = l.len() - t.len();
            // A list may sit at the key's own indentation (`key:\n- a`).
            if ind < indent || (ind == indent && !t.starts_with("- ")) {
                break;
            }
        }
        end += 1;
    }
    Some((line, lines[line][..byte_col].chars().count(), end))
}

/// Byte offset of `word` in `line`, not as part of a longer identifier.
fn find_word(line: &str, word: &str) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(b) = line[from..].find(word).map(|b| b + from) {
        let before = line[..b].chars().last();
        let after = line[b + word.len()..].chars().next();
        let boundary =
            |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '-' && c != '_');
        if boundary(before) && boundary(after) {
            return Some(b);
        }
        from = b + word.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "title: Hei\nkinds:\n  takst:\n    fields:\n      kode: { type: string, requird: true }\n  tiltak:\n    fields:\n      roller:\n        - rolle-a\n        - rolle-bb\n";

    #[test]
    fn locates_nested_block_keys() {
        let p = locate(
            DOC,
            &[
                Seg::Key("kinds"),
                Seg::Key("tiltak"),
                Seg::Key("fields"),
                Seg::Key("roller"),
            ],
        );
        assert_eq!(p, Some(Position { line: 8, column: 7 }));
    }

    #[test]
    fn locates_keys_inside_flow_mappings() {
        let p = locate(
            DOC,
            &[
                Seg::Key("kinds"),
                Seg::Key("takst"),
                Seg::Key("fields"),
                Seg::Key("kode"),
                Seg::Key("requird"),
            ],
        );
        assert_eq!(
            p,
            Some(Position {
                line: 5,
                column: 29
            })
        );
    }

    #[test]
    fn locates_values_as_whole_words() {
        let p = locate(
            DOC,
            &[
                Seg::Key("kinds"),
                Seg::Key("tiltak"),
                Seg::Value("rolle-bb"),
            ],
        );
        assert_eq!(
            p,
            Some(Position {
                line: 10,
                column: 11
            })
        );
        // `rolle-a` must not match inside another id.
        let p = locate(
            "a:\n  - rolle-ab\n  - rolle-a\n",
            &[Seg::Key("a"), Seg::Value("rolle-a")],
        );
        assert_eq!(p, Some(Position { line: 3, column: 5 }));
    }

    #[test]
    fn locating_stops_after_the_budget_of_one_text() {
        let text = "a: 1\nb: 2\n";
        let other = "c: 3\n";
        let (budget, other_budget) = (LocateBudget::default(), LocateBudget::default());
        for _ in 0..LOCATE_BUDGET {
            assert!(budget.locate(text, &[Seg::Key("b")]).is_some());
            // Another text in between has its own budget and does not reset this one.
            assert!(other_budget.locate(other, &[Seg::Key("c")]).is_some());
        }
        assert_eq!(budget.locate(text, &[Seg::Key("b")]), None);
        assert_eq!(other_budget.locate(other, &[Seg::Key("c")]), None);
        assert!(
            LocateBudget::default()
                .locate("d: 4\n", &[Seg::Key("d")])
                .is_some()
        );
        let renewed = budget.clone();
        assert!(renewed.locate(text, &[Seg::Key("b")]).is_some());
    }

    #[test]
    fn yaml_error_lines_count_only_newlines_as_libyaml_line_breaks_do_not() {
        // Found by the `front_matter` fuzz target: libyaml breaks lines at U+2029 (and U+2028,
        // U+0085, a lone `\r`), so its own line number pointed one line further down the file
        // than the error, and the column past that line's end.
        let yaml = "a: x\u{2029}y\nb: [1,\n";
        let text = format!("---\n{yaml}---\n");
        let err = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        let d = error_to_diagnostic("a.md", &text, yaml, &err, 1);
        let lines: Vec<&str> = text.split('\n').collect();
        assert!(
            d.line >= 2 && d.line <= 3,
            "{}:{} {}",
            d.line,
            d.column,
            d.message
        );
        assert!(
            d.column <= lines[d.line - 1].chars().count() + 1,
            "{}:{}",
            d.line,
            d.column
        );
        for sep in ["\r", "\u{85}", "\u{2028}"] {
            let yaml = format!("a: x{sep}y\nb: : c\n");
            let err = serde_yaml::from_str::<serde_yaml::Value>(&yaml).unwrap_err();
            let d = error_to_diagnostic("c.yaml", &yaml, &yaml, &err, 0);
            assert_eq!(d.line, 2, "{sep:?}: {}", d.message);
        }
    }

    #[test]
    fn regression_a_repeated_front_matter_key_pointed_at_the_first_key_now_at_the_repeat() {
        // `veiviser.yaml` pointed at the repeat already; front matter (and charts, synonyms)
        // said line 2, the mapping's first key, for a `tags:` repeated on line 5.
        let yaml = "title: T\ntags: [a]\nkode: L8\ntags: [b]\n";
        let text = format!("---\n{yaml}---\n");
        let err = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        let d = error_to_diagnostic("a.md", &text, yaml, &err, 1);
        assert_eq!((d.line, d.column, d.span_len), (5, 1, 4), "{}", d.message);
        let nested = "a:\n  b: 1\n  c: 2\n  b: 3\n";
        let err = serde_yaml::from_str::<serde_yaml::Value>(nested).unwrap_err();
        let d = error_to_diagnostic("c.yaml", nested, nested, &err, 0);
        assert_eq!((d.line, d.column), (4, 3), "{}", d.message);
    }

    #[test]
    fn yaml_errors_at_the_end_of_input_stay_inside_the_text() {
        // Found by the `markdown` fuzz target: an unclosed chart block at the end of a page.
        let text = "---\ntitle: x\n---\n```chart\ntitle: t\ndatg";
        let yaml = "title: t\ndatg\n";
        let err = serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap_err();
        let d = error_to_diagnostic("a.md", text, yaml, &err, 4);
        assert_eq!((d.line, d.column), (6, 5), "{}", d.message);
    }

    #[test]
    fn an_empty_key_is_found_in_block_style_and_never_loops_in_flow_style() {
        // Found by fuzzing: `: value` parses as the key "", and the flow-style search for ""
        // matched at the same offset forever.
        let block = "title: T\n: tom\n";
        assert_eq!(
            locate(block, &[Seg::Key("")]),
            Some(Position { line: 2, column: 1 })
        );
        let flow = "title: Smågrupper\n!kommune: kommune-f: x]\n";
        assert_eq!(locate(flow, &[Seg::Key("")]), None);
    }

    #[test]
    fn missing_key_is_none() {
        assert_eq!(locate(DOC, &[Seg::Key("nope")]), None);
    }
}
