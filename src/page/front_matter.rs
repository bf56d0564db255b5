//! Splitting a page into front matter and body, and reading the front matter *as written*.
//!
//! [`FrontMatter`] mirrors the YAML: common keys typed, kind fields still raw YAML values. Type
//! checks against the schema happen in `page::fields`; this file only knows the page format.

use indexmap::IndexMap;
use serde_yaml::Value;

use crate::error::{Diagnostic, Position};
use crate::yaml;

/// The parts of a page file. Line numbers are 1-based lines of the whole file.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    /// The YAML between the `---` fences (empty when the page has none).
    pub yaml: &'a str,
    /// Line on which `yaml` starts.
    pub yaml_line: usize,
    pub body: &'a str,
    /// Line on which `body` starts.
    pub body_line: usize,
    /// Byte offset of `body` in the file.
    pub body_offset: usize,
}

/// Splits `text` at its `---` fences. A file without an opening fence has no front matter.
pub fn split<'a>(file: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let Some(after_open) = text
        .strip_prefix("---\n")
        .or_else(|| (text == "---").then_some(""))
    else {
        return Ok(Split {
            yaml: "",
            yaml_line: 1,
            body: text,
            body_line: 1,
            body_offset: 0,
        });
    };
    let mut offset = 4;
    for line in after_open.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &text[4..offset];
            let body_offset = offset + line.len();
            let body_line = text[..body_offset].matches('\n').count() + 1;
            return Ok(Split {
                yaml,
                yaml_line: 2,
                body: &text[body_offset..],
                body_line,
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        file,
        Position { line: 1, column: 1 },
        "front-matter",
        "front matter is not closed",
    )
    .with_hint("end the front matter with a line containing only `---`")
    .with_source(text, 3))
}

/// One entry of `sources`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// Id of a page (normally of the `kilde` kind).
    pub source: String,
    /// Chapter or section of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Line range in the source document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A key phrase that must occur in the cited lines (checked against the source text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// One entry of `endringer:` — what changed in substance on a page, written by the editor when it
/// changed (never derived from file times): `{dato: 2026-12-01, tekst: "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeNote {
    /// Date of the change, `YYYY-MM-DD`.
    pub dato: String,
    /// One line saying what changed.
    pub tekst: String,
}

/// Front matter as written: common keys typed, everything else kept as YAML for the schema check.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub id: Option<String>,
    pub summary: Option<String>,
    pub sources: Vec<SourceRef>,
    pub aliases: Vec<String>,
    pub anchor_aliases: IndexMap<String, String>,
    pub tags: Vec<String>,
    pub updated: Option<String>,
    pub endringer: Vec<ChangeNote>,
    pub weight: Option<i64>,
    pub draft: bool,
    /// Keys that are not common keys, in file order.
    pub other: IndexMap<String, Value>,
}

/// Context for locating problems in the front matter of one file.
pub struct Locator<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub split: Split<'a>,
    budget: yaml::LocateBudget,
}

impl<'a> Locator<'a> {
    pub fn new(file: &'a str, text: &'a str, split: Split<'a>) -> Self {
        Self {
            file,
            text,
            split,
            budget: yaml::LocateBudget::default(),
        }
    }

    /// Position of a key path inside the front matter, as a file position.
    pub fn at(&self, path: &[yaml::Seg<'_>]) -> Position {
        match self.budget.locate(self.split.yaml, path) {
            Some(p) => Position {
                line: p.line + self.split.yaml_line - 1,
                column: p.column,
            },
            None => Position { line: 1, column: 1 },
        }
    }

    /// An error at a key path, with the source line attached.
    pub fn error(
        &self,
        path: &[yaml::Seg<'_>],
        code: &'static str,
        message: impl Into<String>,
        span: usize,
    ) -> Diagnostic {
        Diagnostic::error(self.file, self.at(path), code, message).with_source(self.text, span)
    }
}

/// Parses the YAML of a split page into `FrontMatter`, collecting every problem.
#[allow(
    clippy::too_many_lines,
    reason = "one arm per common key, in the order of COMMON_KEYS: reads better whole than split"
)]
pub fn parse(loc: &Locator<'_>, diags: &mut Vec<Diagnostic>) -> Option<FrontMatter> {
    if loc.split.yaml.trim().is_empty() {
        return Some(FrontMatter::default());
    }
    let value: Value = match serde_yaml::from_str(loc.split.yaml) {
        Ok(v) => v,
        Err(e) => {
            diags.push(yaml::error_to_diagnostic(
                loc.file,
                loc.text,
                loc.split.yaml,
                &e,
                loc.split.yaml_line - 1,
            ));
            return None;
        }
    };
    let Value::Mapping(map) = value else {
        diags.push(loc.error(
            &[],
            "front-matter",
            "front matter must be a mapping of `key: value` lines",
            3,
        ));
        return None;
    };
    let mut fm = FrontMatter::default();
    for (key, value) in map {
        let Value::String(key) = key else {
            diags.push(loc.error(
                &[],
                "front-matter",
                format!("front-matter keys must be text, found {}", describe(&key)),
                3,
            ));
            continue;
        };
        let k = key.as_str();
        let path = [yaml::Seg::Key(k)];
        let take = |diags: &mut Vec<Diagnostic>, expected: &str| {
            diags.push(loc.error(
                &path,
                "wrong-type",
                format!("`{k}` must be {expected}, found {}", describe(&value)),
                k.chars().count(),
            ));
        };
        match k {
            "title" | "id" | "summary" | "updated" => match scalar_string(&value) {
                Some(s) => {
                    let slot = match k {
                        "title" => &mut fm.title,
                        "id" => &mut fm.id,
                        "summary" => &mut fm.summary,
                        _ => &mut fm.updated,
                    };
                    *slot = Some(s);
                }
                None => take(diags, "text"),
            },
            "weight" => match value.as_i64() {
                Some(w) => fm.weight = Some(w),
                None => take(diags, "a whole number"),
            },
            "draft" => match value.as_bool() {
                Some(b) => fm.draft = b,
                None => take(diags, "true or false"),
            },
            "aliases" | "tags" => match string_list(&value) {
                Some(list) => {
                    warn_comma_text(loc, k, &value, diags);
                    *(if k == "tags" {
                        &mut fm.tags
                    } else {
                        &mut fm.aliases
                    }) = list;
                }
                None => take(diags, "a list of text values"),
            },
            "anchor_aliases" => {
                match serde_yaml::from_value::<IndexMap<String, String>>(value.clone()) {
                    Ok(m) => fm.anchor_aliases = m,
                    Err(_) => take(diags, "a mapping of old anchor → new anchor"),
                }
            }
            "sources" => match serde_yaml::from_value::<Vec<SourceRef>>(value.clone()) {
                Ok(s) => fm.sources = s,
                Err(e) => diags.push(loc.error(
                    &path,
                    "wrong-type",
                    format!(
                        "`sources` must be a list of {{source, section, lines, note, quote}}: {}",
                        e.to_string().split(" at line").next().unwrap_or_default()
                    ),
                    7,
                )),
            },
            "endringer" => match serde_yaml::from_value::<Vec<ChangeNote>>(value.clone()) {
                Ok(c) => fm.endringer = c,
                Err(e) => diags.push(
                    loc.error(
                        &path,
                        "wrong-type",
                        format!(
                            "`endringer` must be a list of {{dato, tekst}}: {}",
                            e.to_string().split(" at line").next().unwrap_or_default()
                        ),
                        9,
                    )
                    .with_hint("write `endringer:` then lines like `  - dato: 2026-12-01` and `    tekst: Hva som ble endret`"),
                ),
            },
            _ => {
                fm.other.insert(key, value);
            }
        }
    }
    Some(fm)
}

/// Text of a scalar: strings as they are, numbers written as text (`kode: 14`).
pub(super) fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list of scalars as strings; a single scalar is accepted as a one-item list.
pub(super) fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Sequence(items) => items.iter().map(scalar_string).collect(),
        Value::Null => Some(Vec::new()),
        other => scalar_string(other).map(|s| vec![s]),
    }
}

/// A warning for `key: a, b` where a list is declared: YAML reads it as one text, so `tags:
/// takster, legeerklæring` made one tag named "takster, legeerklæring" without a word.
pub(super) fn warn_comma_text(
    loc: &Locator<'_>,
    key: &str,
    value: &Value,
    diags: &mut Vec<Diagnostic>,
) {
    let Value::String(s) = value else {
        return;
    };
    if !s.contains(',') {
        return;
    }
    let items: Vec<&str> = s
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    let path = [yaml::Seg::Key(key)];
    diags.push(
        Diagnostic::warning(
            loc.file,
            loc.at(&path),
            "comma-in-list",
            format!("`{key}` is a list, but \"{s}\" is one text with commas, so it is one item"),
        )
        .with_hint(format!(
            "write the items as a list: `{key}: [{}]`; quote the text (`{key}: [\"{s}\"]`) if the comma belongs in it",
            items.join(", ")
        ))
        .with_source(loc.text, key.chars().count()),
    );
}

/// Short description of a YAML value for error messages.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text \"{}\"", s.chars().take(40).collect::<String>()),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(_) => "a tagged value".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (Option<FrontMatter>, Vec<Diagnostic>) {
        let split = split("a.md", text).unwrap();
        let loc = Locator::new("a.md", text, split);
        let mut diags = Vec::new();
        (parse(&loc, &mut diags), diags)
    }

    #[test]
    fn split_finds_fences_and_body_line() {
        let s = split("a.md", "---\ntitle: x\n---\n# Hei\n").unwrap();
        assert_eq!(s.yaml, "title: x\n");
        assert_eq!(s.body, "# Hei\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let d = split("a.md", "---\ntitle: x\n").unwrap_err();
        assert_eq!(d.code, "front-matter");
    }

    #[test]
    fn common_keys_are_typed_and_others_kept() {
        let (fm, diags) =
            parse_str("---\ntitle: Takst L8\nkode: L8\ntags: [a, b]\nweight: 3\n---\n");
        assert!(diags.is_empty(), "{diags:?}");
        let fm = fm.unwrap();
        assert_eq!(fm.title.as_deref(), Some("Takst L8"));
        assert_eq!(fm.tags, ["a", "b"]);
        assert_eq!(fm.weight, Some(3));
        assert!(fm.other.contains_key("kode"));
    }

    #[test]
    fn wrong_types_point_at_the_key() {
        let (_, diags) = parse_str("---\ntitle: x\ndraft: maybe\nweight: tung\n---\n");
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!((diags[0].line, diags[0].column), (3, 1));
        assert!(diags[0].message.contains("true or false"));
        assert_eq!(diags[1].line, 4);
    }

    #[test]
    fn yaml_syntax_errors_carry_file_lines() {
        let (fm, diags) = parse_str("---\ntitle: x\nsummary: a: b\n---\n");
        assert!(fm.is_none());
        assert_eq!(diags[0].line, 3, "{diags:?}");
    }

    #[test]
    fn change_notes_are_read_and_unknown_keys_refused() {
        let (fm, diags) = parse_str(
            "---\ntitle: x\nendringer:\n  - dato: 2026-12-01\n    tekst: Ny frist\n---\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            fm.unwrap().endringer,
            [ChangeNote {
                dato: "2026-12-01".into(),
                tekst: "Ny frist".into()
            }]
        );
        let (_, diags) =
            parse_str("---\ntitle: x\nendringer:\n  - date: 2026-12-01\n    tekst: y\n---\n");
        assert_eq!((diags.len(), diags[0].line), (1, 3), "{diags:?}");
        assert!(diags[0].message.contains("date"), "{}", diags[0].message);
    }

    #[test]
    fn sources_reject_unknown_keys() {
        let (_, diags) =
            parse_str("---\ntitle: x\nsources:\n  - source: k\n    sektion: \"1\"\n---\n");
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("sektion"), "{}", diags[0].message);
    }
}
