//! `synonyms.yaml` → [`Synonyms`]: two-way groups of equivalent terms and one-way expansions of
//! abbreviations, checked and reported with `file:line:column`.
//!
//! ```yaml
//! equivalents:
//!   - [sykmelding, sykemelding]
//! abbreviations:
//!   rl: [rådgivende lege]
//! ```
//!
//! Only parsing and checking happen here; the query side applies them (see `query`), from the
//! copy written into the index manifest. The file is optional.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Position};
use crate::source::SYNONYMS_FILE;
use crate::yaml::{self, Seg};

use super::analyse;

/// The checked contents of `synonyms.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    /// Groups of terms that find each other.
    #[serde(default)]
    pub equivalents: Vec<Vec<String>>,
    /// A short form and what it stands for; the expansion does not find the short form.
    #[serde(default)]
    pub abbreviations: IndexMap<String, Vec<String>>,
}

impl Synonyms {
    /// Parses the text of `synonyms.yaml`; problems are diagnostics, and a file with problems
    /// yields the entries that are sound.
    pub fn parse(text: &str) -> (Synonyms, Vec<Diagnostic>) {
        let mut syn: Synonyms = match serde_yaml::from_str::<Option<Synonyms>>(text) {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => {
                let mut d = yaml::error_to_diagnostic(SYNONYMS_FILE, text, text, &e, 0);
                d.code = "synonyms";
                if d.hint.is_none() {
                    d = d.with_hint("the file has two keys: `equivalents:` (a list of lists) and `abbreviations:` (short form: [expansions])");
                }
                return (Synonyms::default(), vec![d]);
            }
        };
        let mut diags = Vec::new();
        let mut problem = |path: &[Seg<'_>], msg: String, hint: &str| {
            let pos = yaml::locate(text, path).unwrap_or(Position { line: 1, column: 1 });
            diags.push(
                Diagnostic::error(SYNONYMS_FILE, pos, "synonyms", msg)
                    .with_hint(hint)
                    .with_source(text, 1),
            );
        };
        let searchable = |t: &str| !analyse::tokens(&analyse::nfc(t)).is_empty();
        syn.equivalents.retain(|group| {
            let first = group.first().map_or("", String::as_str);
            if let Some(bad) = group.iter().find(|t| !searchable(t)) {
                problem(
                    &[Seg::Key("equivalents"), Seg::Value(bad)],
                    format!("`{bad}` has no letters or digits to search for"),
                    "remove it from the group",
                );
                false
            } else if group.len() < 2 {
                problem(
                    &[Seg::Key("equivalents"), Seg::Value(first)],
                    format!("the group [{first}] has only one term"),
                    "a group needs at least two terms that find each other",
                );
                false
            } else {
                true
            }
        });
        syn.abbreviations.retain(|short, expansions| {
            if !searchable(short) {
                problem(
                    &[Seg::Key("abbreviations")],
                    format!("abbreviation `{short}` has no letters or digits"),
                    "remove it",
                );
                false
            } else if expansions.is_empty() || expansions.iter().any(|e| !searchable(e)) {
                problem(
                    &[Seg::Key("abbreviations"), Seg::Key(short)],
                    format!(
                        "abbreviation `{short}` needs at least one expansion with letters or digits"
                    ),
                    "write it as `short: [what it stands for]`",
                );
                false
            } else {
                true
            }
        });
        (syn, diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_file_is_valid() {
        let (syn, diags) = Synonyms::parse(include_str!("../../synonyms.yaml"));
        assert!(diags.is_empty(), "{diags:?}");
        assert!(syn.equivalents.len() > 20);
        assert_eq!(syn.abbreviations["rl"], ["rådgivende lege"]);
    }

    #[test]
    fn problems_point_at_their_line() {
        let text = "equivalents:\n  - [a, b]\n  - [ensom]\nabbreviations:\n  rl: []\n";
        let (syn, diags) = Synonyms::parse(text);
        assert_eq!(syn.equivalents.len(), 1);
        assert!(syn.abbreviations.is_empty());
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert_eq!((diags[0].line, diags[1].line), (3, 5));
    }

    #[test]
    fn unknown_keys_and_bad_yaml_are_errors() {
        let (_, diags) = Synonyms::parse("equivalent:\n  - [a, b]\n");
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("equivalent"), "{diags:?}");
        let (_, diags) = Synonyms::parse("equivalents: [[a, b]\n");
        assert_eq!(diags[0].file, SYNONYMS_FILE);
        assert!(Synonyms::parse("").1.is_empty());
    }
}
