//! `veiviser.yaml` → [`Config`]: site settings and the schema of kinds.
//!
//! Input is the text of the file; output is a checked `Config` or the diagnostics that explain
//! why not. Unknown keys are errors (serde `deny_unknown_fields`), and the schema is checked for
//! consistency (refs point at declared kinds, enums have values, sections are URL-safe). This
//! module never touches the disk.

use indexmap::IndexMap;
use serde::Deserialize;

use crate::error::{Diagnostic, Position};
use crate::vocab::slugify;
use crate::yaml::{self, Seg};

/// File name of the site settings, relative to the site root.
pub const CONFIG_FILE: &str = "veiviser.yaml";

/// Site settings and the schema of kinds, as checked values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title, shown in the header and the `<title>` of every page.
    pub title: String,
    /// One-sentence description of the site (home page `<meta name=description>`).
    #[serde(default)]
    pub description: String,
    /// BCP 47 language tag of the content; `nb`, `nn`, `no` select Norwegian analysis.
    #[serde(default = "default_language")]
    pub language: String,
    /// Public URL of the site root, used for canonical links and the sitemap.
    pub base_url: String,
    /// Folder name under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The kinds of pages, keyed by kind name (`takst`), in declaration order.
    #[serde(default)]
    pub kinds: IndexMap<String, KindDef>,
    /// An overview table on the home page: pages of one kind, by a relation and an enum field.
    #[serde(default)]
    pub overview: Option<OverviewDef>,
    /// Search settings: which fields filter results and which hold alternative names.
    #[serde(default)]
    pub search: SearchDef,
    /// Citations in page bodies (`[@3360-3372]`) and their source texts.
    #[serde(default)]
    pub citations: CitationsDef,
}

/// The `citations:` block.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitationsDef {
    /// Id of the page whose document a marker without a document name cites (`[@1979]`).
    #[serde(default)]
    pub default_source: Option<String>,
    /// Where `default_source`'s value is written in `veiviser.yaml` (line 1 when absent), so
    /// a later stage can point at it.
    #[serde(skip, default = "first_line")]
    pub default_source_at: Position,
    /// The field of a source page naming its text under `content/` (a `.txt` file, by file name
    /// or path relative to the page's folder).
    #[serde(default = "default_document_field")]
    pub document_field: String,
}

impl Default for CitationsDef {
    fn default() -> Self {
        Self {
            default_source: None,
            default_source_at: first_line(),
            document_field: default_document_field(),
        }
    }
}

fn default_document_field() -> String {
    "dokument".to_owned()
}

/// The `search:` block: fields the search index treats specially.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchDef {
    /// Single-valued fields (`ref`, `enum`, `string`, `bool`) offered as result filters with
    /// counts, besides the kind (e.g. `kommune`). A page of a `ref` field's target kind counts as
    /// its own value.
    #[serde(default)]
    pub filters: Vec<String>,
    /// `string`/`list` fields holding other names of a page (abbreviations, synonyms); they rank
    /// just below the title.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// The home page's overview matrix (e.g. measures by municipality and by type).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewDef {
    /// Heading of the table.
    pub title: String,
    /// The kind whose pages fill the cells.
    pub kind: String,
    /// A `ref` field of `kind`: one row per target page.
    pub rows: String,
    /// An `enum` field of `kind`: one column per value.
    pub columns: String,
}

fn default_language() -> String {
    "nb".to_owned()
}

fn default_theme() -> String {
    "default".to_owned()
}

/// One kind of page: where its files live and which fields it has.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    /// Singular display name ("Takst").
    pub label: Option<String>,
    /// Plural display name ("Takster"), used for the section index.
    pub plural: Option<String>,
    /// Folder under `content/` and first URL segment.
    pub section: String,
    /// Order of the kind in navigation (lower first).
    #[serde(default)]
    pub weight: i64,
    /// Field holding a short code (exact-match search boost, `pages.json`, `/section/CODE/`).
    pub code_field: Option<String>,
    /// Fields shown as columns of the kind's index table (`title` is always first).
    #[serde(default)]
    pub columns: Vec<String>,
    /// The kind's own front-matter fields, in display order.
    #[serde(default)]
    pub fields: IndexMap<String, FieldDef>,
}

impl KindDef {
    /// Singular label, defaulting to the kind name.
    pub fn label<'a>(&'a self, name: &'a str) -> &'a str {
        self.label.as_deref().unwrap_or(name)
    }
    /// Plural label, defaulting to the singular one.
    pub fn plural<'a>(&'a self, name: &'a str) -> &'a str {
        self.plural.as_deref().unwrap_or_else(|| self.label(name))
    }
}

/// Type of a front-matter field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Text,
    Number,
    Integer,
    Date,
    Bool,
    Enum,
    Url,
    List,
    Ref,
    Refs,
}

impl FieldType {
    /// `ref` and `refs` point at other pages.
    pub fn is_relation(self) -> bool {
        matches!(self, Self::Ref | Self::Refs)
    }
}

/// Declaration of one field of a kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Display label in the fact box and index tables.
    pub label: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// No two pages may share a value (e.g. tariff codes).
    #[serde(default)]
    pub unique: bool,
    /// For `ref`/`refs`: the kind the target must have (any kind when absent).
    pub to: Option<String>,
    /// For `enum`: the allowed values.
    #[serde(default)]
    pub values: Vec<String>,
    /// For `enum`: display text of each value (`moteplass: Møteplass`); the value itself otherwise.
    #[serde(default)]
    pub value_labels: IndexMap<String, String>,
    /// For `ref`/`refs`: heading under which the *target* page lists this relation back.
    pub inverse_label: Option<String>,
}

impl FieldDef {
    /// Display label, defaulting to the field name.
    pub fn label<'a>(&'a self, name: &'a str) -> &'a str {
        self.label.as_deref().unwrap_or(name)
    }

    /// Display text of an enum value.
    pub fn value_label<'a>(&'a self, value: &'a str) -> &'a str {
        self.value_labels.get(value).map_or(value, String::as_str)
    }
}

impl Config {
    /// Parses and checks the text of `veiviser.yaml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let mut config: Config = serde_yaml::from_str(text)
            .map_err(|e| vec![yaml::error_to_diagnostic(CONFIG_FILE, text, text, &e, 0)])?;
        if let Some(d) = &config.citations.default_source {
            let path = [
                Seg::Key("citations"),
                Seg::Key("default_source"),
                Seg::Value(d),
            ];
            if let Some(pos) = yaml::LocateBudget::default().locate(text, &path) {
                config.citations.default_source_at = pos;
            }
        }
        let diags = config.check(text);
        if diags.is_empty() {
            Ok(config)
        } else {
            Err(diags)
        }
    }

    /// The kind whose section folder is `section`.
    pub fn kind_by_section(&self, section: &str) -> Option<(&str, &KindDef)> {
        self.kinds
            .iter()
            .find(|(_, k)| k.section == section)
            .map(|(n, k)| (n.as_str(), k))
    }

    /// Kinds in navigation order: by weight, then declaration order.
    pub fn kinds_in_order(&self) -> Vec<(&str, &KindDef)> {
        let mut kinds: Vec<_> = self.kinds.iter().map(|(n, k)| (n.as_str(), k)).collect();
        kinds.sort_by_key(|(_, k)| k.weight);
        kinds
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The path the site is served under, from `base_url`, with a slash at both ends:
    /// `https://e.org/kb` → `/kb/`, `https://e.org` → `/`. What a file served at any depth
    /// (`404.html`) or a host's rule file (`_redirects`) must put before a site URL.
    pub fn base_path(&self) -> String {
        base_path(self.base_url())
    }

    /// Every problem of the parsed `veiviser.yaml` (whose text is `text`), in the order the file
    /// declares things: site keys, each kind and its fields, the overview, search.
    fn check(&self, text: &str) -> Vec<Diagnostic> {
        let mut p = Problems::new(text);
        self.check_site(&mut p);
        let mut sections: Vec<&str> = Vec::new();
        for (name, kind) in &self.kinds {
            Self::check_kind(name, kind, &mut sections, &mut p);
            for (fname, field) in &kind.fields {
                self.check_field(name, fname, field, &mut p);
            }
        }
        self.check_overview(&mut p);
        self.check_search(&mut p);
        p.diags
    }

    fn check_site(&self, p: &mut Problems<'_>) {
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            p.add(
                &[Seg::Key("base_url")],
                "`base_url` must start with http:// or https://".into(),
                None,
            );
        }
        if slugify(&self.theme) != self.theme {
            p.add(
                &[Seg::Key("theme")],
                format!("theme `{}` must be a plain folder name", self.theme),
                None,
            );
        }
    }

    fn check_kind<'a>(
        name: &str,
        kind: &'a KindDef,
        sections: &mut Vec<&'a str>,
        p: &mut Problems<'_>,
    ) {
        let at = |rest: &[Seg<'static>]| kind_path(name, None, rest);
        if slugify(name) != *name {
            p.add(
                &at(&[]),
                format!("kind name `{name}` must be lowercase ASCII letters, digits and `-`"),
                Some(format!("use `{}`", slugify(name))),
            );
        }
        if slugify(&kind.section) != kind.section || kind.section.is_empty() {
            p.add(
                &at(&[Seg::Key("section")]),
                format!("section `{}` is not URL-safe", kind.section),
                Some(format!("use `{}`", slugify(&kind.section))),
            );
        }
        if let Some(what) = crate::vocab::generated_folder_of(&kind.section) {
            p.add(
                &at(&[Seg::Key("section")]),
                format!(
                    "section `{}` is the folder of {what}, which veiviser makes itself",
                    kind.section
                ),
                Some(format!(
                    "choose another section name; these are reserved: {}",
                    crate::vocab::generated_folders_list()
                )),
            );
        }
        if sections.contains(&kind.section.as_str()) {
            p.add(
                &at(&[Seg::Key("section")]),
                format!("section `{}` is used by two kinds", kind.section),
                None,
            );
        }
        sections.push(&kind.section);
        if let Some(code) = &kind.code_field {
            match kind.fields.get(code) {
                Some(f) if f.ty == FieldType::String => {}
                _ => p.add(
                    &at(&[Seg::Key("code_field")]),
                    format!("code_field `{code}` must name a string field of `{name}`"),
                    None,
                ),
            }
        }
        for col in &kind.columns {
            if !kind.fields.contains_key(col) && col != "summary" && col != "updated" {
                let hint = crate::error::did_you_mean(col, kind.fields.keys().map(String::as_str));
                p.add(
                    &at(&[Seg::Key("columns")]),
                    format!("column `{col}` is not a field of `{name}`"),
                    hint,
                );
            }
        }
    }

    fn check_field(&self, name: &str, fname: &str, field: &FieldDef, p: &mut Problems<'_>) {
        let kind_names = || self.kinds.keys().map(String::as_str);
        let fpath = |k: &'static str| kind_path(name, Some(fname), &[Seg::Key(k)]);
        if crate::vocab::is_common_key(fname) {
            p.add(
                &fpath("type"),
                format!("field `{fname}` clashes with a common front-matter key"),
                None,
            );
        }
        if let Some(to) = &field.to {
            if !field.ty.is_relation() {
                p.add(
                    &fpath("to"),
                    format!("`to` is only allowed on ref/refs fields (`{fname}`)"),
                    None,
                );
            } else if !self.kinds.contains_key(to) {
                let hint = crate::error::did_you_mean(to, kind_names());
                p.add(
                    &fpath("to"),
                    format!("field `{fname}` refers to unknown kind `{to}`"),
                    hint,
                );
            }
        }
        if field.inverse_label.is_some() && !field.ty.is_relation() {
            p.add(
                &fpath("inverse_label"),
                format!("`inverse_label` is only allowed on ref/refs fields (`{fname}`)"),
                None,
            );
        }
        if field.ty == FieldType::Enum && field.values.is_empty() {
            p.add(
                &fpath("type"),
                format!("enum field `{fname}` needs `values`"),
                None,
            );
        }
        for v in field.value_labels.keys() {
            if !field.values.contains(v) {
                p.add(
                    &fpath("value_labels"),
                    format!(
                        "`value_labels` of `{fname}` names `{v}`, which is not one of its values"
                    ),
                    None,
                );
            }
        }
        if field.ty != FieldType::Enum && !field.values.is_empty() {
            p.add(
                &fpath("values"),
                format!("`values` is only allowed on enum fields (`{fname}`)"),
                None,
            );
        }
    }

    fn check_overview(&self, p: &mut Problems<'_>) {
        if let Some(o) = &self.overview {
            let field_ty = |f: &str| {
                self.kinds
                    .get(&o.kind)
                    .and_then(|k| k.fields.get(f))
                    .map(|d| d.ty)
            };
            if !self.kinds.contains_key(&o.kind) {
                p.add(
                    &[Seg::Key("overview"), Seg::Key("kind")],
                    format!("overview kind `{}` is not declared", o.kind),
                    None,
                );
            } else if field_ty(&o.rows) != Some(FieldType::Ref) {
                p.add(
                    &[Seg::Key("overview"), Seg::Key("rows")],
                    format!(
                        "overview rows `{}` must be a `ref` field of `{}`",
                        o.rows, o.kind
                    ),
                    None,
                );
            } else if field_ty(&o.columns) != Some(FieldType::Enum) {
                p.add(
                    &[Seg::Key("overview"), Seg::Key("columns")],
                    format!(
                        "overview columns `{}` must be an `enum` field of `{}`",
                        o.columns, o.kind
                    ),
                    None,
                );
            }
        }
    }

    /// The declaration of field `name` in the first kind that has it.
    pub fn field_def(&self, name: &str) -> Option<&FieldDef> {
        self.kinds.values().find_map(|k| k.fields.get(name))
    }

    fn check_search(&self, p: &mut Problems<'_>) {
        let all_fields = || {
            self.kinds
                .values()
                .flat_map(|k| k.fields.keys().map(String::as_str))
        };
        let lists: [(&str, &[String], &[FieldType], &str); 2] = [
            (
                "filters",
                &self.search.filters,
                &[
                    FieldType::Ref,
                    FieldType::Enum,
                    FieldType::String,
                    FieldType::Bool,
                ],
                "a single-valued field (ref, enum, string or bool)",
            ),
            (
                "keywords",
                &self.search.keywords,
                &[FieldType::String, FieldType::List],
                "a string or list field",
            ),
        ];
        for (key, names, types, what) in lists {
            for name in names {
                let at = [Seg::Key("search"), Seg::Key(key), Seg::Value(name)];
                let defs: Vec<&FieldDef> = self
                    .kinds
                    .values()
                    .filter_map(|k| k.fields.get(name))
                    .collect();
                if defs.is_empty() {
                    p.add(
                        &at,
                        format!("search {key}: `{name}` is not a field of any kind"),
                        crate::error::did_you_mean(name, all_fields()),
                    );
                } else if defs.iter().any(|d| !types.contains(&d.ty)) {
                    p.add(&at, format!("search {key}: `{name}` must be {what}"), None);
                }
            }
        }
    }
}

/// The problems found in `veiviser.yaml`, each located at the key or value it is about.
struct Problems<'t> {
    text: &'t str,
    budget: yaml::LocateBudget,
    diags: Vec<Diagnostic>,
}

impl<'t> Problems<'t> {
    fn new(text: &'t str) -> Self {
        Problems {
            text,
            budget: yaml::LocateBudget::default(),
            diags: Vec::new(),
        }
    }

    /// A `config` error at `path` (line 1 when the path is not in the text).
    fn add(&mut self, path: &[Seg<'_>], msg: String, hint: Option<String>) {
        let pos = self
            .budget
            .locate(self.text, path)
            .unwrap_or(Position { line: 1, column: 1 });
        // The caret spans the key or value pointed at, not its first character.
        let span = match path.last() {
            Some(Seg::Key(k) | Seg::Value(k)) => k.chars().count(),
            None => 1,
        };
        let mut d = Diagnostic::error(CONFIG_FILE, pos, "config", msg).with_source(self.text, span);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.diags.push(d);
    }
}

fn first_line() -> Position {
    Position { line: 1, column: 1 }
}

/// `kinds.<name>[.fields.<field>].<rest>` as a locator path.
fn kind_path<'a>(name: &'a str, field: Option<&'a str>, rest: &[Seg<'a>]) -> Vec<Seg<'a>> {
    let mut p = vec![Seg::Key("kinds"), Seg::Key(name)];
    if let Some(f) = field {
        p.extend([Seg::Key("fields"), Seg::Key(f)]);
    }
    p.extend(rest.iter().copied());
    p
}

/// See [`Config::base_path`].
fn base_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    match after_scheme.find('/') {
        Some(i) => format!("{}/", after_scheme[i..].trim_end_matches('/')),
        None => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "title: T\nbase_url: https://example.org\nkinds:\n  takst:\n    section: takster\n    code_field: kode\n    fields:\n      kode: { type: string, required: true, unique: true }\n";

    #[test]
    fn base_path_is_the_path_of_the_base_url_with_slashes_at_both_ends() {
        assert_eq!(base_path("https://e.org"), "/");
        assert_eq!(base_path("https://e.org/"), "/");
        assert_eq!(base_path("https://e.org/kb"), "/kb/");
        assert_eq!(base_path("https://e.org/kb/"), "/kb/");
        assert_eq!(base_path("https://e.org/a/b"), "/a/b/");
    }

    #[test]
    fn parses_a_minimal_schema() {
        let c = Config::parse(MINIMAL).unwrap();
        assert_eq!(c.language, "nb");
        let (name, kind) = c.kind_by_section("takster").unwrap();
        assert_eq!(name, "takst");
        assert!(kind.fields["kode"].required);
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let text = MINIMAL.replace("required: true", "requird: true");
        let diags = Config::parse(&text).unwrap_err();
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 8);
        assert!(diags[0].message.contains("requird"), "{}", diags[0].message);
    }

    #[test]
    fn refs_to_unknown_kinds_are_errors_with_hint() {
        let text = format!(
            "{MINIMAL}  tiltak:\n    section: tiltak\n    fields:\n      takster: {{ type: refs, to: taks }}\n"
        );
        let diags = Config::parse(&text).unwrap_err();
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line, 12);
        assert_eq!(diags[0].hint.as_deref(), Some("did you mean `takst`?"));
    }

    #[test]
    fn duplicate_key_pointed_at_the_first_occurrence_now_at_the_repeat() {
        let text = format!("{MINIMAL}title: Igjen\n");
        let d = &Config::parse(&text).unwrap_err()[0];
        assert_eq!((d.line, d.column), (text.lines().count(), 1), "{d:?}");
        let nested = MINIMAL.replace(
            "    code_field: kode\n",
            "    code_field: kode\n    section: igjen\n",
        );
        let d = &Config::parse(&nested).unwrap_err()[0];
        assert_eq!((d.line, d.column), (7, 5), "{d:?}");
    }

    #[test]
    fn config_caret_underlined_one_character_now_the_key() {
        let text = MINIMAL.replace("https://example.org", "example.org");
        let d = &Config::parse(&text).unwrap_err()[0];
        assert_eq!((d.code, d.span_len), ("config", "base_url".len()), "{d:?}");
    }

    #[test]
    fn unsafe_sections_are_refused() {
        let text = MINIMAL.replace("section: takster", "section: ../etc");
        let diags = Config::parse(&text).unwrap_err();
        assert!(
            diags.iter().any(|d| d.message.contains("not URL-safe")),
            "{diags:?}"
        );
    }

    #[test]
    fn search_fields_are_checked() {
        let ok = format!("{MINIMAL}search:\n  filters: [kode]\n");
        assert_eq!(Config::parse(&ok).unwrap().search.filters, ["kode"]);
        let text = format!("{MINIMAL}search:\n  filters: [kodde]\n  keywords: [kode]\n");
        let diags = Config::parse(&text).unwrap_err();
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].line, 10);
        assert_eq!(diags[0].hint.as_deref(), Some("did you mean `kode`?"));
        let text = MINIMAL.replace("type: string", "type: list") + "search:\n  filters: [kode]\n";
        let diags = Config::parse(&text).unwrap_err();
        assert!(
            diags.iter().any(|d| d.message.contains("single-valued")),
            "{diags:?}"
        );
        let text = format!("{MINIMAL}search:\n  facets: [kode]\n");
        assert!(Config::parse(&text).is_err());
    }

    #[test]
    fn the_repository_schema_is_valid() {
        let text = include_str!("../veiviser.yaml");
        let config = Config::parse(text).unwrap_or_else(|d| panic!("{d:?}"));
        assert!(config.kinds.contains_key("takst"));
    }
}
