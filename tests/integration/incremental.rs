//! Incremental rebuilds (what `serve` does after an edit) must give exactly the full build.

use std::path::PathBuf;

use veiviser::pipeline::{self, BuildOptions, Compiled};
use veiviser::pipeline::{Cache, Work, differing_files};
use veiviser::source::{self, SiteSources};

use crate::harness::Site;

struct Session<'a> {
    site: &'a Site,
    options: BuildOptions,
    sources: SiteSources,
    cache: Cache,
}

impl<'a> Session<'a> {
    fn new(site: &'a Site) -> Self {
        let options = BuildOptions {
            root: site.root.clone(),
            drafts: true,
            ..BuildOptions::default()
        };
        let sources = source::load(&site.root, "default").unwrap();
        // As `serve` uses it: the search index is built after the compile, from its result.
        let mut cache = Cache::deferring_search();
        pipeline::compile_incremental(&sources, &options, &pipeline::Silent, &mut cache);
        Session {
            site,
            options,
            sources,
            cache,
        }
    }

    /// Refreshes `changed`, compiles incrementally, and checks the result against a full load
    /// and compile. Returns what the incremental compile redid.
    #[track_caller]
    fn check(&mut self, step: &str, changed: &[&str]) -> (Work, Compiled) {
        let paths: Vec<PathBuf> = changed.iter().map(|p| self.site.root.join(p)).collect();
        source::refresh(&self.site.root, &mut self.sources, &paths).unwrap();
        let fresh = source::load(&self.site.root, "default").unwrap();
        assert_eq!(
            self.sources, fresh,
            "{step}: refreshed sources differ from a fresh load"
        );
        let incremental = pipeline::compile_incremental(
            &self.sources,
            &self.options,
            &pipeline::Silent,
            &mut self.cache,
        );
        let full = pipeline::compile(&fresh, &self.options, &pipeline::Silent);
        let mut files = incremental.files.clone();
        files.extend(incremental.build_search(self.sources.synonyms_text.as_deref()));
        assert_eq!(
            differing_files(&files, &full.files),
            Vec::<String>::new(),
            "{step}: files differ"
        );
        assert_eq!(
            incremental.diagnostics, full.diagnostics,
            "{step}: diagnostics differ"
        );
        assert_eq!(
            incremental.external_links, full.external_links,
            "{step}: external links differ"
        );
        (self.cache.work, incremental)
    }
}

fn edit(site: &Site, rel: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(site.root.join(rel)).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    site.write(rel, text.replacen(from, to, 1));
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one edit after another, each compared with a full compile: a story read top to bottom"
)]
fn incremental_compile_equals_full_compile_after_a_sequence_of_edits() {
    let site = Site::fixture("serve");
    let mut s = Session::new(&site);

    edit(&site, "content/takster/l8.md", "Versjon en", "Versjon to");
    let (work, _) = s.check("body edit", &["content/takster/l8.md"]);
    assert_eq!(
        work,
        Work {
            parsed: 1,
            rendered: 1,
            site_pages: false,
            indexes: 0,
            graph_kept: true,
            lock_kept: true,
            verified: 1,
        },
        "a body edit renders one page, keeps the graph and checks that page's links alone"
    );

    edit(
        &site,
        "content/takster/l8.md",
        "title: Takst L8",
        "title: Takst L8 (ny)",
    );
    let (work, c) = s.check("title edit", &["content/takster/l8.md"]);
    assert!(work.site_pages, "titles are listed on the site pages");
    let indexes = c.graph.sections.len() + c.graph.tags.len();
    assert!(
        (2..indexes).contains(&work.indexes),
        "its kind index and tag page show the title, the other {} indexes do not: {work:?}",
        indexes - 2
    );
    assert!(
        work.graph_kept,
        "a title edit updates the kept graph in place: {work:?}"
    );
    assert!(
        work.rendered >= 2,
        "pages relating to L8 show its title: {work:?}"
    );

    edit(
        &site,
        "content/takster/14.md",
        "## Beløp {#belop}",
        "## Beløp {#sats}",
    );
    s.check("a linked anchor disappears", &["content/takster/14.md"]);
    edit(
        &site,
        "content/takster/14.md",
        "## Beløp {#sats}",
        "## Beløp {#belop}",
    );
    s.check("and comes back", &["content/takster/14.md"]);

    edit(
        &site,
        "content/tiltak/smagrupper.md",
        "takster: [takst-l8, takst-14]",
        "takster: [takst-14]",
    );
    s.check("a relation is removed", &["content/tiltak/smagrupper.md"]);

    site.remove("content/kommuner/fredrikstad.md");
    let (_, c) = s.check(
        "a referenced page is deleted",
        &["content/kommuner/fredrikstad.md"],
    );
    assert!(c.has_errors(), "dangling references are errors");
    site.write(
        "content/kommuner/fredrikstad.md",
        "---\ntitle: Fredrikstad\n---\nTilbake.\n",
    );
    s.check("and written again", &["content/kommuner/fredrikstad.md"]);

    site.write(
        "content/kommuner/halden.md",
        "---\ntitle: Halden\ntags: [grense]\n---\nNy.\n",
    );
    s.check("a new page with a new tag", &["content/kommuner/halden.md"]);

    edit(
        &site,
        "content/tiltak/utkast.md",
        "draft: true",
        "draft: false",
    );
    s.check("a draft is published", &["content/tiltak/utkast.md"]);

    edit(
        &site,
        "content/kilder/rapport.md",
        "title: Rapport om samhandling",
        "title: Rapporten",
    );
    s.check("a cited source is renamed", &["content/kilder/rapport.md"]);

    edit(
        &site,
        "veiviser.yaml",
        "label: Kommune\n",
        "label: Kommunen\n",
    );
    let (work, _) = s.check("the configuration changes", &["veiviser.yaml"]);
    assert!(
        work.parsed > 1,
        "a new configuration parses every page again"
    );

    let template = "themes/default/templates/page.html";
    edit(
        &site,
        template,
        "{% block main %}",
        "{% block main %}<!-- ny mal -->",
    );
    let (work, _) = s.check("a template changes", &[template]);
    assert!(work.rendered > 1 && work.site_pages);

    site.write(
        "content/bilder/ny.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    s.check("an asset appears", &["content/bilder/ny.svg"]);

    std::fs::rename(
        site.root.join("content/kommuner"),
        site.root.join("content/kommuner-gammel"),
    )
    .unwrap();
    s.check(
        "a folder is renamed away",
        &["content/kommuner", "content/kommuner-gammel"],
    );
    std::fs::rename(
        site.root.join("content/kommuner-gammel"),
        site.root.join("content/kommuner"),
    )
    .unwrap();
    s.check("and back", &["content/kommuner-gammel", "content/kommuner"]);

    site.write("content/takster/.l8.md.swp", "editor state");
    let (work, _) = s.check("editor files are ignored", &["content/takster/.l8.md.swp"]);
    assert_eq!(work.parsed, 0);

    site.write("content/takster/l8.md", "---\ntitle: [\n---\n");
    let (_, c) = s.check("a page that cannot be parsed", &["content/takster/l8.md"]);
    assert!(c.has_errors());
    site.write(
        "content/takster/l8.md",
        "---\ntitle: Takst L8\nkode: L8\n---\nFikset.\n",
    );
    s.check("fixed again", &["content/takster/l8.md"]);
}

#[test]
fn link_positions_follow_an_edit_that_leaves_the_html_alone() {
    let site = Site::fixture("serve");
    edit(
        &site,
        "content/takster/l8.md",
        "Se også [takst 14](14.md#belop).",
        "Se også [takst 14](14.md#belop) og [loven](https://lovdata.no/lov).",
    );
    let mut s = Session::new(&site);
    // A comment line in the front matter moves the body down a line; the page's HTML stays the
    // same, so the output check's cached result for it must not be reused.
    edit(
        &site,
        "content/takster/l8.md",
        "kode: L8\n",
        "kode: L8\n# merknad\n",
    );
    let (work, compiled) = s.check("front matter grows", &["content/takster/l8.md"]);
    assert_eq!(work.parsed, 1);
    let link = compiled
        .external_links
        .iter()
        .find(|l| l.url == "https://lovdata.no/lov")
        .expect("the external link is listed");
    assert_eq!(
        (link.file.as_str(), link.line),
        ("content/takster/l8.md", 16)
    );
}

#[test]
fn a_new_edition_of_a_source_text_rerenders_the_pages_quoting_it() {
    let site = Site::fixture("citations");
    let mut s = Session::new(&site);
    let text = "content/kilder/tekster/000_notat.txt";
    edit(&site, text, "frigjøre tid", "frigjøre mer tid");
    let (work, compiled) = s.check("source text edit", &[text]);
    assert_eq!(work.parsed, 0, "no page text changed: {work:?}");
    assert!(work.rendered >= 1, "{work:?}");
    let page = compiled
        .files
        .iter()
        .find(|f| f.path == "sider/side/index.html")
        .unwrap();
    assert!(String::from_utf8_lossy(&page.bytes).contains("frigjøre mer tid"));
}

#[test]
fn a_kept_graph_equals_a_new_one_after_body_edits_that_touch_links() {
    let site = Site::fixture("serve");
    let mut s = Session::new(&site);
    let l8 = "content/takster/l8.md";

    edit(&site, l8, "Versjon en", "Versjon en, se [borte](borte.md)");
    let (work, c) = s.check("a body edit adds a broken link", &[l8]);
    assert!(work.graph_kept, "{work:?}");
    assert!(
        c.diagnostics.iter().any(|d| d.code == "broken-link"),
        "{:?}",
        c.diagnostics
    );

    edit(&site, l8, "[borte](borte.md)", "[[kommune-fredrikstad]]");
    let (work, c) = s.check("the link becomes an id link", &[l8]);
    assert!(work.graph_kept, "{work:?}");
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let page = |c: &Compiled| {
        let f = c
            .files
            .iter()
            .find(|f| f.path == "takster/l8/index.html")
            .unwrap();
        String::from_utf8_lossy(&f.bytes).into_owned()
    };
    assert!(page(&c).contains(">Fredrikstad</a>"), "{}", page(&c));

    let fredrikstad = "content/kommuner/fredrikstad.md";
    edit(
        &site,
        fredrikstad,
        "title: Fredrikstad",
        "title: Fredrikstad by",
    );
    let (work, c) = s.check("the linked page's title changes", &[fredrikstad]);
    assert!(work.graph_kept, "updated in place: {work:?}");
    assert!(page(&c).contains(">Fredrikstad by</a>"), "{}", page(&c));

    edit(
        &site,
        l8,
        "## Når brukes L8",
        "Mer tekst.\n\n## Når brukes L8",
    );
    let (work, _) = s.check("a heading moves down", &[l8]);
    assert!(work.graph_kept, "{work:?}");

    edit(&site, l8, "## Når brukes L8", "## Når brukes takst L8");
    let (work, _) = s.check("a heading is renamed", &[l8]);
    assert!(!work.graph_kept, "anchors are facts: {work:?}");

    site.write(l8, "---\ntitle: [\n---\n");
    let (_, c) = s.check("the page cannot be parsed", &[l8]);
    assert!(c.has_errors());
    site.write(l8, "---\ntitle: Takst L8\nkode: L8\n---\nFikset.\n");
    let (work, _) = s.check("and is fixed", &[l8]);
    assert!(!work.graph_kept, "{work:?}");
    edit(&site, l8, "Fikset.", "Fikset igjen.");
    let (work, _) = s.check("and edited", &[l8]);
    assert!(work.graph_kept, "{work:?}");
}

#[test]
fn a_kept_lock_check_reports_a_lost_anchor_at_the_heading_where_it_is_now() {
    let site = Site::fixture("serve");
    // The lock knows an anchor of takst 14 that is gone: the error points at its only heading.
    site.write("urls.lock", "/takster/14/#gammel\n");
    let mut s = Session::new(&site);
    let t14 = "content/takster/14.md";
    edit(
        &site,
        t14,
        "Brukes for møter.",
        "Brukes for møter.\n\nOg mer.",
    );
    let (work, c) = s.check("the heading moves down", &[t14]);
    assert!(work.graph_kept, "{work:?}");
    let lost = c
        .diagnostics
        .iter()
        .find(|d| d.code == "locked-anchor")
        .expect("the lost anchor is reported");
    assert_eq!((lost.file.as_str(), lost.line), (t14, 11), "{lost:?}");
}

#[test]
fn regression_a_page_shared_between_compiles_spent_its_locate_budget() {
    // Parsed pages are shared between `serve`'s compiles, not cloned: a page with many problems
    // located them in the first compile, and later compiles answered "line 1" for them.
    let site = Site::fixture("serve");
    let sources: Vec<String> = (0..150)
        .map(|n| format!("  - source: mangler-{n}\n"))
        .collect();
    let sources = sources.concat();
    site.write(
        "content/kommuner/mange.md",
        format!("---\ntitle: Mange\nsources:\n{sources}---\nTekst.\n"),
    );
    let mut s = Session::new(&site);
    let l8 = "content/takster/l8.md";
    for n in 0..3 {
        let text = std::fs::read_to_string(site.root.join(l8)).unwrap();
        let title = text.lines().find(|l| l.starts_with("title:")).unwrap();
        site.write(
            l8,
            text.replacen(title, &format!("title: Takst L8 nr {n}"), 1),
        );
        let (work, c) = s.check("a title edit elsewhere", &[l8]);
        assert!(work.graph_kept);
        assert!(
            c.diagnostics
                .iter()
                .filter(|d| d.code == "dangling-ref")
                .all(|d| d.file == "content/kommuner/mange.md" && d.line > 3),
            "{:?}",
            c.diagnostics
        );
    }
}

#[test]
fn a_title_edit_keeps_a_clean_lock_check_and_a_renamed_heading_does_not() {
    let site = Site::fixture("serve");
    let options = BuildOptions {
        root: site.root.clone(),
        drafts: true,
        ..BuildOptions::default()
    };
    let fresh = source::load(&site.root, "default").unwrap();
    let lock = pipeline::compile(&fresh, &options, &pipeline::Silent)
        .lock
        .new_text
        .unwrap();
    site.write("urls.lock", &lock);
    let mut s = Session::new(&site);
    let l8 = "content/takster/l8.md";

    edit(&site, l8, "title: Takst L8", "title: Takst L8 (ny)");
    let (work, c) = s.check("a title edit", &[l8]);
    assert!(work.graph_kept && work.lock_kept, "{work:?}");
    assert!(
        c.lock.new_text.is_none(),
        "the lock lists every URL already"
    );

    edit(&site, l8, "## Når brukes L8", "## Når brukes takst L8");
    let (work, c) = s.check("a locked heading is renamed", &[l8]);
    assert!(!work.lock_kept, "{work:?}");
    assert!(
        c.diagnostics.iter().any(|d| d.code == "locked-anchor"),
        "{:?}",
        c.diagnostics
    );

    edit(&site, l8, "title: Takst L8 (ny)", "title: Takst L8");
    let (work, _) = s.check("a title edit while the lock reports a problem", &[l8]);
    assert!(
        work.lock_kept,
        "no line moved and no problem names the title, so they stay the same: {work:?}"
    );

    edit(&site, l8, "## Når brukes takst L8", "## Når brukes L8");
    let (work, c) = s.check("the heading is named back", &[l8]);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    assert!(!work.lock_kept, "the last check found a problem: {work:?}");
    edit(&site, l8, "Versjon en", "Versjon to");
    let (work, _) = s.check("a body edit", &[l8]);
    assert!(work.graph_kept && work.lock_kept, "{work:?}");
}

#[test]
fn regression_retiring_a_url_in_urls_lock_clears_the_preview_error() {
    // `serve` watched urls.lock (the site folder is watched) but `source::refresh` ignored it:
    // an editor who retired a URL by deleting its line kept seeing the error until a restart.
    let site = Site::fixture("serve");
    site.write("urls.lock", "/takster/14/#gammel\n");
    let mut s = Session::new(&site);
    site.write("urls.lock", "/takster/14/\n");
    let (_, c) = s.check("the anchor's line is deleted", &["urls.lock"]);
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "locked-anchor"),
        "{:?}",
        c.diagnostics
    );
    site.write("urls.lock", "/takster/14/#gammel\n");
    let (_, c) = s.check("the line is back", &["urls.lock"]);
    assert!(c.diagnostics.iter().any(|d| d.code == "locked-anchor"));
    std::fs::remove_file(site.root.join("urls.lock")).unwrap();
    s.check("the lock is deleted", &["urls.lock"]);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_appearing_in_the_preview_is_reported_as_a_full_load_reports_it() {
    let site = Site::fixture("serve");
    let mut s = Session::new(&site);
    let made = std::process::Command::new("mkfifo")
        .arg(site.root.join("content/tiltak/ror.md"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let (_, c) = s.check("a pipe appears", &["content/tiltak/ror.md"]);
    assert!(c.diagnostics.iter().any(|d| d.code == "not-a-file"));
    std::fs::remove_file(site.root.join("content/tiltak/ror.md")).unwrap();
    let (_, c) = s.check("the pipe goes", &["content/tiltak/ror.md"]);
    assert!(!c.diagnostics.iter().any(|d| d.code == "not-a-file"));
}

#[test]
fn regression_the_content_folder_moved_away_is_one_error_not_one_per_page() {
    // `serve` reported 52 errors (every page's published URL, "120 more problems in this file")
    // when `content/` was moved away; a build reports the one cause. The preview now does too,
    // and comes back whole when the folder returns.
    let site = Site::fixture("serve");
    let mut s = Session::new(&site);
    let content = site.root.join("content");
    let away = site.root.join("content-away");
    std::fs::rename(&content, &away).unwrap();
    let err = source::refresh(&site.root, &mut s.sources, std::slice::from_ref(&content))
        .expect_err("a site without content/ cannot be refreshed");
    assert!(err.to_string().contains("has no content/ folder"), "{err}");
    std::fs::rename(&away, &content).unwrap();
    // As `serve` does after a failed refresh: the site is loaded whole again.
    s.sources = source::load(&site.root, "default").unwrap();
    s.check("content/ is back", &["content"]);
}

#[test]
fn title_edits_update_the_kept_graph_as_a_full_build_makes_it() {
    let site = Site::fixture("serve");
    let mut s = Session::new(&site);
    let (t14, l8) = ("content/takster/14.md", "content/takster/l8.md");
    let fredrikstad = "content/kommuner/fredrikstad.md";

    // Takst 14 is related (Smågrupper), linked to (from L8, with an anchor), tagged and listed
    // in its kind index: the new title moves it before L8 there and in every list.
    edit(
        &site,
        t14,
        "title: Takst 14",
        "title: Aller først, takst 14",
    );
    let (work, c) = s.check(
        "a listed, linked, related page moves in title order",
        &[t14],
    );
    assert!(work.graph_kept, "{work:?}");
    let section = c.graph.section_of("takst").unwrap();
    let first = &c.graph.pages[section.members[0]];
    assert_eq!(first.title, "Aller først, takst 14");

    // Fredrikstad is named by `[[kommune-fredrikstad]]` in Smågrupper's text and by a relation.
    edit(
        &site,
        fredrikstad,
        "title: Fredrikstad",
        "title: Øst-Fredrikstad",
    );
    let (work, c) = s.check("a page linked by id changes title", &[fredrikstad]);
    assert!(work.graph_kept, "{work:?}");
    let smagrupper = c.graph.get("tiltak-smagrupper").unwrap();
    assert!(
        smagrupper
            .body
            .sections
            .iter()
            .any(|s| s.text.contains("Øst-Fredrikstad")),
        "the link's text follows the title"
    );

    edit(&site, l8, "title: Takst L8", "title: Aller først, takst 14");
    let (work, c) = s.check("two pages of a kind get the same title", &[l8]);
    assert!(work.graph_kept, "{work:?}");
    edit(&site, l8, "title: Aller først, takst 14", "title: Takst L8");
    let (_, c2) = s.check("and differ again", &[l8]);
    let warned = |c: &Compiled| c.diagnostics.iter().any(|d| d.code == "duplicate-title");
    assert!(warned(&c) && !warned(&c2));

    edit(
        &site,
        "content/kilder/rapport.md",
        "title: Rapport om samhandling",
        "title: Aaa-rapporten",
    );
    let (work, _) = s.check(
        "a cited source changes title",
        &["content/kilder/rapport.md"],
    );
    assert!(work.graph_kept, "{work:?}");

    edit(
        &site,
        t14,
        "title: Aller først, takst 14\nsummary: Tverrfaglig møte.",
        "title: Takst 14\nsummary: Møte.",
    );
    let (work, _) = s.check("the title and another key change", &[t14]);
    assert!(
        !work.graph_kept,
        "only a title edit keeps the graph: {work:?}"
    );

    edit(
        &site,
        t14,
        "title: Takst 14",
        "title: >\n  Takst 14,\n  over to linjer",
    );
    let (work, _) = s.check("the title takes two lines", &[t14]);
    assert!(!work.graph_kept, "the keys below it moved: {work:?}");

    edit(&site, t14, "kode: \"14\"", "kode: [");
    let (_, c) = s.check("the page becomes invalid", &[t14]);
    assert!(c.has_errors());
    edit(&site, t14, "kode: [", "kode: \"14\"");
    s.check("and valid again", &[t14]);
    edit(
        &site,
        t14,
        "Brukes for møter.",
        "Brukes for møter, se [[takst-l8]].",
    );
    s.check("a body edit adds an id link", &[t14]);
    edit(&site, l8, "title: Takst L8", "title: Takst L8 endret");
    let (work, _) = s.check("and the linked page changes title", &[l8]);
    assert!(work.graph_kept, "{work:?}");
}
