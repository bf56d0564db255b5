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
            site_pages: false
        },
        "a body edit renders one page"
    );

    edit(
        &site,
        "content/takster/l8.md",
        "title: Takst L8",
        "title: Takst L8 (ny)",
    );
    let (work, _) = s.check("title edit", &["content/takster/l8.md"]);
    assert!(work.site_pages, "titles are listed on the site pages");
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
