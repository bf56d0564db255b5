//! Stage ②: [`SourceFile`] → [`Page`] (front matter checked against the schema, body rendered).
//!
//! Pure: strings in, values out, every problem collected as a diagnostic. A page whose front
//! matter cannot be read at all yields no `Page`; any other problem still yields one, so later
//! stages can report their own findings in the same run. Relation targets and links are checked
//! for form only; whether they exist is decided by `graph`.

mod anchor_aliases;
mod chart;
mod citation;
mod fields;
mod front_matter;
mod markdown;
mod raw_html;

use indexmap::IndexMap;

use crate::config::Config;
use crate::error::{Diagnostic, Position};
use crate::source::SourceFile;
use crate::vocab::slugify;
use crate::yaml::Seg;
use front_matter::{ChangeNote, Locator, SourceRef};
use markdown::{Body, MarkdownInput};

pub use citation::{LineRange, MarkerError, parse_lines};
pub use fields::FieldValue;
pub use markdown::{Heading, LinkTarget, RESERVED_IDS, TextSection, fill_link_titles};

/// The steps of [`parse`] one at a time, for the fuzz harness (`fuzz/src/checks.rs`), which
/// checks each on arbitrary input. The pipeline and the other stages use [`parse`] only (the
/// import-boundary test keeps it so).
pub mod parts {
    pub use super::front_matter::{Locator, Split, parse, split};
    pub use super::markdown::{MarkdownInput, render};
}

/// The code of a page (its kind's `code_field`), if it has one.
pub fn code_of(config: &Config, page: &Page) -> Option<String> {
    let kind = config.kinds.get(page.kind.as_deref()?)?;
    Some(page.fields.get(kind.code_field.as_deref()?)?.display())
}

/// What a page is in the site's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageRole {
    /// `content/_index.md`
    Home,
    /// `content/<section>/_index.md`: the intro of a kind's index page.
    SectionIndex,
    /// An entity of a kind, or a plain page.
    Entry,
}

/// A parsed page with checked front matter and rendered body.
#[derive(Debug, Clone)]
pub struct Page {
    pub id: String,
    /// Kind name (`takst`), `None` for plain pages and the home page.
    pub kind: Option<String>,
    pub role: PageRole,
    /// Site-relative source path (`content/takster/l8.md`).
    pub file: String,
    /// URL path relative to the site root, without a leading slash: `takster/l8/` (`""` = home).
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    pub fields: IndexMap<String, FieldValue>,
    pub sources: Vec<SourceRef>,
    /// Earlier URL paths (`/gammel/sti/`), normalised with leading and trailing `/`.
    pub aliases: Vec<String>,
    pub anchor_aliases: IndexMap<String, String>,
    pub tags: Vec<String>,
    pub updated: Option<String>,
    /// Change notes (`endringer:`), newest first; equal dates keep their written order.
    pub changes: Vec<ChangeNote>,
    pub weight: i64,
    pub draft: bool,
    pub body: Body,
    /// The front-matter YAML, for locating problems found by later stages.
    pub front_matter: String,
    /// Line of the file where `front_matter` starts.
    pub front_matter_line: usize,
    /// Bounds the scans of `front_matter` by [`Page::locate`] (fresh in every clone).
    locate_budget: crate::yaml::LocateBudget,
}

impl Page {
    /// Gives [`Page::locate`] its whole budget back (see [`crate::yaml::LocateBudget::reset`]).
    pub fn reset_locate_budget(&self) {
        self.locate_budget.reset();
    }

    /// Position of a key path in this page's front matter.
    pub fn locate(&self, path: &[Seg<'_>]) -> Position {
        match self.locate_budget.locate(&self.front_matter, path) {
            Some(p) => Position {
                line: p.line + self.front_matter_line - 1,
                column: p.column,
            },
            None => Position { line: 1, column: 1 },
        }
    }
}

/// A page and the problems found while parsing it.
#[derive(Debug)]
pub struct Parsed {
    pub page: Option<Page>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one source file.
pub fn parse(src: &SourceFile, config: &Config) -> Parsed {
    let mut diags = Vec::new();
    let page = parse_inner(src, config, &mut diags);
    if page.is_none()
        && let Some(root) = diags.iter_mut().find(|d| d.is_error())
    {
        // Root cause first: what only fails because this page is missing is hidden behind this.
        root.covers.extend(missing_subjects(src, config));
    }
    Parsed {
        page,
        diagnostics: diags,
    }
}

/// The page stage's steps in order: front matter, fields, URL and id, title, the checks of the
/// common keys, the Markdown body.
fn parse_inner(src: &SourceFile, config: &Config, diags: &mut Vec<Diagnostic>) -> Option<Page> {
    let file = src.rel_path.as_str();
    let text = src.text.as_str();
    let split = match front_matter::split(file, text) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let loc = Locator::new(file, text, split);
    let fm = front_matter::parse(&loc, diags)?;

    let place = Place::of(file);
    let kind = place.section.and_then(|s| config.kind_by_section(s));
    let role = place.role();
    if split.yaml.is_empty() && role == PageRole::Entry {
        diags.push(
            Diagnostic::error(
                file,
                Position { line: 1, column: 1 },
                "front-matter",
                "page has no front matter",
            )
            .with_hint("start the file with `---`, then `title: …`, then `---`")
            .with_source(text, 1),
        );
    }
    // Entity fields only on entity pages; a section's _index.md has common keys only.
    let field_kind = if role == PageRole::Entry { kind } else { None };
    let fields = fields::check(field_kind, &fm.other, &loc, diags);

    let stem_slug = slugify(place.stem);
    if role == PageRole::Entry && stem_slug.is_empty() {
        diags.push(Diagnostic::error(
            file,
            Position::default(),
            "bad-file-name",
            "the file name has no letters or digits to make a URL from",
        ));
        return None;
    }
    let (url, default_id) = place.url_and_default_id(role, kind.map(|(name, _)| name));
    let id = checked_id(fm.id, default_id, &loc, diags);
    let title = match fm.title {
        Some(t) if !t.trim().is_empty() => t.trim().to_owned(),
        _ => {
            if role == PageRole::Entry && !split.yaml.is_empty() {
                diags.push(
                    loc.error(&[], "missing-field", "every page needs a `title`", 3)
                        .with_hint("add `title: …` to the front matter"),
                );
            }
            default_title(role, kind, &place, config)
        }
    };
    check_dates(fm.updated.as_deref(), &fm.endringer, &loc, diags);
    let mut changes = fm.endringer.clone();
    changes.sort_by(|a, b| b.dato.cmp(&a.dato));
    let aliases = checked_aliases(&fm.aliases, &loc, diags);
    check_source_ids(&fm.sources, &loc, diags);
    let tags = checked_tags(&fm.tags, &loc, diags);

    let mut body = markdown::render(
        &MarkdownInput {
            file,
            text,
            body_offset: split.body_offset,
        },
        diags,
    );
    anchor_aliases::check(&fm.anchor_aliases, &body.headings, &loc, diags);
    body.html = anchor_aliases::render(&body.html, &fm.anchor_aliases);
    Some(Page {
        id,
        kind: kind
            .map(|(n, _)| n.to_owned())
            .filter(|_| role == PageRole::Entry),
        role,
        file: file.to_owned(),
        url,
        title,
        summary: fm
            .summary
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        fields,
        sources: fm.sources,
        aliases,
        anchor_aliases: fm.anchor_aliases,
        tags,
        updated: fm.updated,
        changes,
        weight: fm.weight.unwrap_or(0),
        draft: fm.draft,
        body,
        front_matter: split.yaml.to_owned(),
        front_matter_line: split.yaml_line,
        locate_budget: crate::yaml::LocateBudget::default(),
    })
}

/// The page's id: the one written in front matter when it is a slug, else the default
/// (`<kind>-<file stem>`), with a `bad-id` error for one that is not.
fn checked_id(
    id: Option<String>,
    default_id: String,
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> String {
    match id {
        Some(id) if slugify(&id) == id && !id.is_empty() => id,
        Some(id) => {
            diags.push(
                loc.error(
                    &[Seg::Key("id")],
                    "bad-id",
                    format!("id `{id}` must be lowercase letters, digits and `-`"),
                    2,
                )
                .with_hint(format!("use `{}`", slugify(&id))),
            );
            default_id
        }
        None => default_id,
    }
}

/// The title of a page whose front matter has none: the file stem, a section's plural kind name,
/// the site's title on the home page.
fn default_title(
    role: PageRole,
    kind: Option<(&str, &crate::config::KindDef)>,
    place: &Place<'_>,
    config: &Config,
) -> String {
    match (role, kind) {
        (PageRole::SectionIndex, Some((name, k))) => k.plural(name).to_owned(),
        (PageRole::Home, _) => config.title.clone(),
        _ => place.stem.to_owned(),
    }
}

/// `updated` and the `endringer` dates must be real dates; every change note needs a text.
fn check_dates(
    updated: Option<&str>,
    endringer: &[ChangeNote],
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(updated) = updated
        && let Some(problem) = fields::date_problem(updated)
    {
        let message = if problem.starts_with("must") {
            format!("`updated` {problem}, found \"{updated}\"")
        } else {
            format!("`updated: {updated}` {problem}")
        };
        diags.push(loc.error(&[Seg::Key("updated")], "wrong-type", message, 7));
    }
    for (i, c) in endringer.iter().enumerate() {
        if !fields::is_valid_date(&c.dato) {
            diags.push(loc.error(
                &[Seg::Key("endringer"), Seg::Value(&c.dato)],
                "wrong-type",
                format!(
                    "`dato` of change {} must be a date written YYYY-MM-DD, found \"{}\"",
                    i + 1,
                    c.dato
                ),
                4,
            ));
        }
        if c.tekst.trim().is_empty() {
            diags.push(
                loc.error(
                    &[Seg::Key("endringer")],
                    "empty-change",
                    format!("change {} has no `tekst`", i + 1),
                    1,
                )
                .with_hint("say in one line what changed in substance"),
            );
        }
    }
}

/// The `aliases` normalised to site paths; one that is not a path inside the site is reported.
fn checked_aliases(
    aliases: &[String],
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    aliases
        .iter()
        .filter_map(|a| {
            if let Some(n) = normalise_alias(a) {
                Some(n)
            } else {
                diags.push(
                    loc.error(
                        &[Seg::Key("aliases"), Seg::Value(a)],
                        "bad-alias",
                        format!("alias `{a}` is not a path inside the site"),
                        a.chars().count(),
                    )
                    .with_hint(
                        "write an earlier URL of this page as a path, e.g. /takster/gammel-l8/",
                    ),
                );
                None
            }
        })
        .collect()
}

/// Every `sources` entry must name a page id.
fn check_source_ids(sources: &[SourceRef], loc: &Locator<'_>, diags: &mut Vec<Diagnostic>) {
    for (i, s) in sources.iter().enumerate() {
        if slugify(&s.source) != s.source {
            diags.push(loc.error(
                &[Seg::Key("sources"), Seg::Value(&s.source)],
                "bad-id",
                format!("source {} `{}` is not a page id", i + 1, s.source),
                s.source.chars().count(),
            ));
        }
    }
}

/// The `tags` trimmed, empty ones dropped; a tag without letters or digits is reported.
fn checked_tags(tags: &[String], loc: &Locator<'_>, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let tags = tags
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>();
    for t in &tags {
        if slugify(t).is_empty() {
            diags.push(loc.error(
                &[Seg::Key("tags"), Seg::Value(t)],
                "bad-tag",
                format!("tag `{t}` has no letters or digits"),
                t.chars().count(),
            ));
        }
    }

    tags
}

/// Where a file sits under `content/`.
struct Place<'a> {
    /// First folder under `content/`, if any.
    section: Option<&'a str>,
    /// Folders under `content/`.
    folders: Vec<&'a str>,
    stem: &'a str,
    is_index: bool,
}

impl<'a> Place<'a> {
    fn of(file: &'a str) -> Self {
        let rel = file.strip_prefix("content/").unwrap_or(file);
        let mut parts: Vec<&str> = rel.split('/').collect();
        let name = parts.pop().unwrap_or_default();
        let stem = name.strip_suffix(".md").unwrap_or(name);
        Place {
            section: parts.first().copied(),
            folders: parts,
            stem,
            is_index: stem == "_index",
        }
    }

    fn role(&self) -> PageRole {
        match (self.section, self.is_index) {
            (None, true) => PageRole::Home,
            (Some(_), true) => PageRole::SectionIndex,
            _ => PageRole::Entry,
        }
    }

    /// The page's URL and the id it has without an explicit `id:`.
    fn url_and_default_id(&self, role: PageRole, kind_name: Option<&str>) -> (String, String) {
        let stem_slug = slugify(self.stem);
        let url = match role {
            PageRole::Home => String::new(),
            PageRole::SectionIndex => format!("{}/", self.folder_url()),
            PageRole::Entry => match self.folder_url() {
                f if f.is_empty() => format!("{stem_slug}/"),
                f => format!("{f}/{stem_slug}/"),
            },
        };
        let id = match (role, kind_name) {
            (PageRole::Home, _) => "forside".to_owned(),
            (PageRole::SectionIndex, _) => {
                format!("seksjon-{}", self.folder_url().replace('/', "-"))
            }
            (PageRole::Entry, Some(kind_name)) => format!("{kind_name}-{stem_slug}"),
            (PageRole::Entry, None) => {
                format!("side-{}", url.trim_end_matches('/').replace('/', "-"))
            }
        };
        (url, id)
    }

    fn folder_url(&self) -> String {
        self.folders
            .iter()
            .map(|f| slugify(f))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// What other pages may name a page by when it failed to parse (for
/// [`hide_follow_ons`](crate::error::hide_follow_ons)): its file, URL, default id, and an `id:`
/// written at the start of a line of its front matter, which is read without YAML (the YAML is
/// what failed).
fn missing_subjects(src: &SourceFile, config: &Config) -> Vec<String> {
    let file = src.rel_path.as_str();
    let place = Place::of(file);
    let kind = place
        .section
        .and_then(|s| config.kind_by_section(s))
        .map(|(name, _)| name);
    let (url, id) = place.url_and_default_id(place.role(), kind);
    let mut subjects = vec![
        format!("file:{file}"),
        format!("url:{url}"),
        format!("id:{id}"),
    ];
    let front = src.text.split("\n---").next().unwrap_or_default();
    if let Some(explicit) = front
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().trim_matches(['"', '\'']))
        .filter(|v| !v.is_empty())
    {
        subjects.push(format!("id:{explicit}"));
    }
    subjects
}

/// `/a/b` → `/a/b/`; `None` for anything that is not a plain path inside the site.
pub fn normalise_alias(alias: &str) -> Option<String> {
    let path = alias.strip_prefix('/')?;
    let path = path.strip_suffix("index.html").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() {
        return None;
    }
    let ok = segments.iter().all(|s| {
        *s != "."
            && *s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    });
    ok.then(|| format!("/{}/", segments.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "title: T\nbase_url: https://e.org\nkinds:\n  takst:\n    section: takster\n    code_field: kode\n    fields:\n      kode: { type: string, required: true }\n";

    fn parse_str(path: &str, text: &str) -> Parsed {
        parse(
            &SourceFile::inline(path, text),
            &Config::parse(SCHEMA).unwrap(),
        )
    }

    #[test]
    fn entity_page_gets_kind_id_and_url() {
        let p = parse_str(
            "content/takster/l8.md",
            "---\ntitle: Takst L8\nkode: L8\n---\nTekst.\n",
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let page = p.page.unwrap();
        assert_eq!(
            (page.id.as_str(), page.url.as_str(), page.kind.as_deref()),
            ("takst-l8", "takster/l8/", Some("takst"))
        );
    }

    #[test]
    fn index_pages_and_plain_pages() {
        let home = parse_str("content/_index.md", "Velkommen.\n").page.unwrap();
        assert_eq!(
            (home.role, home.url.as_str(), home.id.as_str()),
            (PageRole::Home, "", "forside")
        );
        let section = parse_str("content/takster/_index.md", "---\ntitle: Takster\n---\n")
            .page
            .unwrap();
        assert_eq!(
            (section.role, section.url.as_str()),
            (PageRole::SectionIndex, "takster/")
        );
        let plain = parse_str(
            "content/om/Personvern og Åpenhet.md",
            "---\ntitle: P\n---\n",
        )
        .page
        .unwrap();
        assert_eq!(
            (plain.url.as_str(), plain.id.as_str(), plain.kind),
            (
                "om/personvern-og-apenhet/",
                "side-om-personvern-og-apenhet",
                None
            )
        );
    }

    #[test]
    fn bad_ids_and_aliases_are_refused() {
        let p = parse_str(
            "content/takster/l8.md",
            "---\ntitle: x\nkode: L8\nid: ../../etc\naliases: [\"../../etc/passwd\", /gammel/l8, \"https://evil.example/\"]\n---\n",
        );
        let codes: Vec<_> = p.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["bad-id", "bad-alias", "bad-alias"],
            "{:?}",
            p.diagnostics
        );
        let page = p.page.unwrap();
        assert_eq!(page.id, "takst-l8");
        assert_eq!(page.aliases, ["/gammel/l8/"]);
    }

    #[test]
    fn anchor_aliases_are_checked_and_rendered_as_heading_targets() {
        let p = parse_str(
            "content/takster/l8.md",
            "---\ntitle: x\nkode: L8\nanchor_aliases:\n  nar-brukes-l8: bruk\n  gammel: finnes-ikke\n  bruk: bruk\n---\n## Bruk\n",
        );
        let found: Vec<_> = p.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(
            found,
            [("broken-anchor-alias", 6), ("bad-anchor", 7)],
            "{:?}",
            p.diagnostics
        );
        let html = p.page.unwrap().body.html;
        assert!(
            html.contains("<h2 id=\"bruk\"><span id=\"nar-brukes-l8\"></span>Bruk</h2>"),
            "{html}"
        );
    }

    #[test]
    fn missing_title_and_required_field_are_both_reported() {
        let p = parse_str("content/takster/l8.md", "---\nsummary: x\n---\n");
        let codes: Vec<_> = p.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["missing-field", "missing-field"],
            "{:?}",
            p.diagnostics
        );
    }

    #[test]
    fn alias_normalisation() {
        assert_eq!(normalise_alias("/a/b").as_deref(), Some("/a/b/"));
        assert_eq!(normalise_alias("/a/b/index.html").as_deref(), Some("/a/b/"));
        assert_eq!(normalise_alias("/a/../b"), None);
        assert_eq!(normalise_alias("a/b"), None);
        assert_eq!(normalise_alias("/"), None);
        assert_eq!(
            normalise_alias("//evil.example/x"),
            Some("/evil.example/x/".into())
        );
    }
}
