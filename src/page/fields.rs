//! Checking a page's kind fields against the schema: raw YAML values → [`FieldValue`]s.
//!
//! Every problem is collected (unknown key with a did-you-mean, wrong type, value not in an enum,
//! missing required field); relation targets are only checked for *form* here — whether they
//! exist is the graph stage's business.

use indexmap::IndexMap;
use serde::Serialize;
use serde_yaml::Value;

use crate::config::{FieldDef, FieldType, KindDef};
use crate::error::{Diagnostic, did_you_mean};
use crate::page::front_matter::{Locator, describe, scalar_string, string_list};
use crate::vocab::{COMMON_KEYS, slugify};
use crate::yaml::Seg;

/// A checked field value. `ref` is `Text`, `refs` and `list` are `List`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    Number(f64),
    Integer(i64),
    Bool(bool),
    List(Vec<String>),
}

impl FieldValue {
    /// The ids a relation field points at.
    pub fn ids(&self) -> Vec<&str> {
        match self {
            Self::Text(s) => vec![s.as_str()],
            Self::List(l) => l.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Display text for tables and the fact box (lists joined with ", ").
    pub fn display(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Number(n) => format_number(*n),
            Self::Integer(i) => i.to_string(),
            Self::Bool(true) => "ja".into(),
            Self::Bool(false) => "nei".into(),
            Self::List(l) => l.join(", "),
        }
    }
}

/// Norwegian number formatting: decimal comma, thin groups of three (`1 234,5`).
pub(super) fn format_number(n: f64) -> String {
    let neg = n < 0.0;
    let n = n.abs();
    let int = n.trunc() as u64;
    let frac = ((n - n.trunc()) * 100.0).round() as u64;
    let digits = int.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if frac > 0 {
        let f = format!("{frac:02}");
        out.push(',');
        out.push_str(f.trim_end_matches('0'));
    }
    if neg { format!("-{out}") } else { out }
}

/// Checks `other` (the non-common keys of a page) against `kind`'s fields. `kind` is `None` for
/// plain pages, which have no fields.
pub(super) fn check(
    kind: Option<(&str, &KindDef)>,
    other: &IndexMap<String, Value>,
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> IndexMap<String, FieldValue> {
    let mut values = IndexMap::new();
    let empty = IndexMap::new();
    let fields = kind.map_or(&empty, |(_, k)| &k.fields);
    for (key, value) in other {
        let Some(def) = fields.get(key) else {
            let candidates = COMMON_KEYS
                .iter()
                .copied()
                .chain(fields.keys().map(String::as_str));
            let mut d = loc.error(
                &[Seg::Key(key)],
                "unknown-key",
                unknown_message(key, kind),
                key.chars().count(),
            );
            if let Some(h) = did_you_mean(key, candidates) {
                d = d.with_hint(h);
            }
            diags.push(d);
            continue;
        };
        match check_value(key, def, value, loc, diags) {
            Some(FieldValue::Text(t)) if def.required && t.trim().is_empty() => {
                diags.push(
                    loc.error(
                        &[Seg::Key(key)],
                        "missing-field",
                        format!("`{key}` is required but empty"),
                        key.chars().count(),
                    )
                    .with_hint(format!("fill in `{key}` ({})", def.label(key))),
                );
            }
            Some(v) => {
                values.insert(key.clone(), v);
            }
            None => {}
        }
    }
    for (name, def) in fields {
        if def.required && !values.contains_key(name) && !other.contains_key(name) {
            let kind_name = kind.map_or("", |(n, _)| n);
            diags.push(
                loc.error(
                    &[],
                    "missing-field",
                    format!("`{kind_name}` pages need the field `{name}`"),
                    3,
                )
                .with_hint(format!("add `{name}: …` to the front matter")),
            );
        }
    }
    // Schema order, so fact boxes list fields as the schema declares them.
    let mut ordered = IndexMap::new();
    for name in fields.keys() {
        if let Some(v) = values.shift_remove(name) {
            ordered.insert(name.clone(), v);
        }
    }
    ordered
}

fn unknown_message(key: &str, kind: Option<(&str, &KindDef)>) -> String {
    match kind {
        Some((name, _)) => format!("unknown key `{key}` for a `{name}` page"),
        None => format!(
            "unknown key `{key}` (this page is outside any kind's folder, so it has no kind fields)"
        ),
    }
}

fn check_value(
    key: &str,
    def: &FieldDef,
    value: &Value,
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<FieldValue> {
    let path = [Seg::Key(key)];
    let wrong = |diags: &mut Vec<Diagnostic>, expected: &str| {
        diags.push(loc.error(
            &path,
            "wrong-type",
            format!("`{key}` must be {expected}, found {}", describe(value)),
            key.chars().count(),
        ));
        None
    };
    match def.ty {
        FieldType::String | FieldType::Text => match value {
            Value::String(s) if def.ty == FieldType::String && s.contains('\n') => {
                wrong(diags, "a single line of text (use type `text` for more)")
            }
            _ => match scalar_string(value) {
                Some(s) => Some(FieldValue::Text(s)),
                None => wrong(diags, "text"),
            },
        },
        FieldType::Number => match value.as_f64() {
            Some(n) if n.is_finite() => Some(FieldValue::Number(n)),
            _ => wrong(diags, "a number"),
        },
        FieldType::Integer => match value.as_i64() {
            Some(n) => Some(FieldValue::Integer(n)),
            None => wrong(diags, "a whole number"),
        },
        FieldType::Bool => match value.as_bool() {
            Some(b) => Some(FieldValue::Bool(b)),
            None => wrong(diags, "true or false"),
        },
        FieldType::Date => match value.as_str().map(|s| (s, date_problem(s))) {
            Some((s, None)) => Some(FieldValue::Text(s.to_owned())),
            Some((s, Some(problem))) if is_valid_shape(s) => {
                diags.push(loc.error(
                    &path,
                    "wrong-type",
                    format!("`{key}: {s}` {problem}"),
                    key.chars().count(),
                ));
                None
            }
            _ => wrong(diags, "a date written YYYY-MM-DD"),
        },
        FieldType::Url => match value.as_str() {
            Some(s) if s.starts_with("https://") || s.starts_with("http://") => {
                Some(FieldValue::Text(s.to_owned()))
            }
            _ => wrong(diags, "a URL starting with https://"),
        },
        FieldType::Enum => {
            let Some(s) = scalar_string(value) else {
                return wrong(diags, "one of the allowed values");
            };
            if def.values.contains(&s) {
                Some(FieldValue::Text(s))
            } else {
                let mut d = loc.error(
                    &[Seg::Key(key), Seg::Value(&s)],
                    "enum-value",
                    format!(
                        "`{s}` is not an allowed value of `{key}`; allowed: {}",
                        def.values.join(", ")
                    ),
                    s.chars().count(),
                );
                if let Some(h) = did_you_mean(&s, def.values.iter().map(String::as_str)) {
                    d = d.with_hint(h);
                }
                diags.push(d);
                None
            }
        }
        FieldType::List => match string_list(value) {
            Some(l) => {
                super::front_matter::warn_comma_text(loc, key, value, diags);
                Some(FieldValue::List(l))
            }
            None => wrong(diags, "a list of text values"),
        },
        FieldType::Ref => match value.as_str() {
            Some(id) => check_ids(key, &[id.to_owned()], loc, diags)
                .then(|| FieldValue::Text(id.to_owned())),
            None => wrong(diags, "the id of a page"),
        },
        FieldType::Refs => match string_list(value) {
            Some(ids) => check_ids(key, &ids, loc, diags).then_some(FieldValue::List(ids)),
            None => wrong(diags, "a list of page ids"),
        },
    }
}

/// Ids have the slug form; anything else (spaces, `../`, capitals) can never match a page.
fn check_ids(key: &str, ids: &[String], loc: &Locator<'_>, diags: &mut Vec<Diagnostic>) -> bool {
    let mut ok = true;
    for id in ids {
        if slugify(id) != *id || id.is_empty() {
            ok = false;
            diags.push(
                loc.error(
                    &[Seg::Key(key), Seg::Value(id)],
                    "bad-id",
                    format!("`{id}` is not a page id (ids are lowercase letters, digits and `-`)"),
                    id.chars().count(),
                )
                .with_hint(format!("did you mean `{}`?", slugify(id))),
            );
        }
    }
    ok
}

/// `YYYY-MM-DD` naming a real calendar day. Hand-written: a date crate would be a dependency for
/// ten lines, and the format is fixed.
/// Whether `s` is written as YYYY-MM-DD, real date or not.
fn is_valid_shape(s: &str) -> bool {
    date_problem(s).is_none_or(|p| p.starts_with("is not"))
}

pub(super) fn is_valid_date(s: &str) -> bool {
    date_problem(s).is_none()
}

/// What is wrong with `s` as a date: not written YYYY-MM-DD, or written so but no such day
/// (`2026-13-45` was told to be written YYYY-MM-DD, which it is). `None` for a real date.
pub(super) fn date_problem(s: &str) -> Option<String> {
    const SHAPE: &str = "must be a date written YYYY-MM-DD";
    let bytes = s.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Some(SHAPE.to_owned());
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return Some(SHAPE.to_owned());
    };
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Some(format!("is not a date: there is no month {month}")),
    };
    (!(1..=days).contains(&day))
        .then(|| format!("is not a date: month {month} of {year} has days 1 to {days}, not {day}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::page::front_matter::{self, split};

    const SCHEMA: &str = "title: T\nbase_url: https://e.org\nkinds:\n  takst:\n    section: takster\n    fields:\n      kode: { type: string, required: true }\n      belop: { type: number }\n      status: { type: enum, values: [gjeldende, forslag] }\n      regler: { type: refs, to: regel }\n  regel:\n    section: regler\n";

    fn check_str(text: &str) -> (IndexMap<String, FieldValue>, Vec<Diagnostic>) {
        let config = Config::parse(SCHEMA).unwrap();
        let kind = config
            .kinds
            .get_key_value("takst")
            .map(|(n, k)| (n.as_str(), k));
        let split = split("a.md", text).unwrap();
        let loc = Locator::new("a.md", text, split);
        let mut diags = Vec::new();
        let fm = front_matter::parse(&loc, &mut diags).unwrap();
        let values = check(kind, &fm.other, &loc, &mut diags);
        (values, diags)
    }

    #[test]
    fn valid_fields_come_back_in_schema_order() {
        let (v, d) = check_str("---\ntitle: x\nstatus: forslag\nkode: 14\nbelop: 909\n---\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(v.keys().collect::<Vec<_>>(), ["kode", "belop", "status"]);
        assert_eq!(v["kode"], FieldValue::Text("14".into()));
    }

    #[test]
    fn unknown_key_has_position_and_hint() {
        let (_, d) = check_str("---\ntitle: x\nkode: L8\nbelp: 3\n---\n");
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].code, d[0].line, d[0].column), ("unknown-key", 4, 1));
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `belop`?"));
    }

    #[test]
    fn every_problem_is_reported() {
        let (_, d) =
            check_str("---\ntitle: x\nbelop: mye\nstatus: gjeldene\nregler: [Regel A]\n---\n");
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["wrong-type", "enum-value", "bad-id", "missing-field"],
            "{d:?}"
        );
        assert_eq!(d[1].hint.as_deref(), Some("did you mean `gjeldende`?"));
        assert_eq!((d[2].line, d[2].column), (5, 10));
    }

    #[test]
    fn dates_must_exist() {
        assert!(is_valid_date("2024-02-29"));
        assert!(!is_valid_date("2023-02-29"));
        assert!(!is_valid_date("2023-13-01"));
        assert!(!is_valid_date("23-01-01"));
        assert_eq!(
            date_problem("2026-13-45").as_deref(),
            Some("is not a date: there is no month 13")
        );
        assert_eq!(
            date_problem("2026-02-30").as_deref(),
            Some("is not a date: month 2 of 2026 has days 1 to 28, not 30")
        );
        assert_eq!(
            date_problem("26.11.2026").as_deref(),
            Some("must be a date written YYYY-MM-DD")
        );
    }

    #[test]
    fn numbers_are_formatted_the_norwegian_way() {
        assert_eq!(format_number(909.0), "909");
        assert_eq!(format_number(1234.5), "1\u{a0}234,5");
    }
}
