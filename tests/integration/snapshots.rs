//! Snapshots of what a build makes of one small site (`tests/fixtures/snapshot`, used by no other
//! test, so a page added elsewhere for another scenario never moves them): the `<main>` of every
//! template, the resolved graph as JSON, and the search index files.

use std::fmt::Write as _;

use serde_json::{Value, json};
use veiviser::graph::SiteGraph;

use crate::harness::Site;

#[test]
fn snapshots_of_main_per_template() {
    let site = Site::fixture("snapshot");
    site.build_ok();
    insta::assert_snapshot!("page_takst", site.main_of("takster/l8/index.html"));
    insta::assert_snapshot!("page_tiltak", site.main_of("tiltak/smagrupper/index.html"));
    insta::assert_snapshot!("section", site.main_of("takster/index.html"));
    insta::assert_snapshot!("home", site.main_of("index.html"));
    insta::assert_snapshot!("tag", site.main_of("emner/takster/index.html"));
    insta::assert_snapshot!("search_az", site.main_of("sok/index.html"));
    insta::assert_snapshot!("not_found", site.main_of("404.html"));
}

/// The graph with page indexes replaced by ids, so the snapshot reads as the site's structure:
/// sections, tags, relations both ways, citations, redirects, plain pages, title order.
fn graph_json(g: &SiteGraph) -> Value {
    let id = |ix: &usize| g.pages[*ix].id.clone();
    let ids = |v: &[usize]| v.iter().map(id).collect::<Vec<_>>();
    let groups = |gs: &[veiviser::graph::RelationGroup]| {
        gs.iter()
            .map(|r| json!({ "field": r.field, "label": r.label, "pages": ids(&r.pages) }))
            .collect::<Vec<_>>()
    };
    let mut by_title: Vec<usize> = (0..g.pages.len()).collect();
    by_title.sort_by_key(|&ix| g.title_rank[ix]);
    json!({
        "pages": g.pages.iter().enumerate().map(|(ix, p)| json!({
            "id": p.id,
            "file": p.file,
            "url": p.url,
            "kind": p.kind,
            "title": p.title,
            "tags": p.tags,
            "headings": p.body.headings.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            "relations": groups(&g.relations[ix]),
            "backlinks": groups(&g.backlinks[ix]),
            "cited_by": ids(&g.cited_by[ix]),
            "citation_notes": g.citations[ix].notes.len(),
        })).collect::<Vec<_>>(),
        "home": g.home.as_ref().map(id),
        "sections": g.sections.iter().map(|s| json!({
            "kind": s.kind, "section": s.section, "index_page": s.index_page.as_ref().map(id),
            "members": ids(&s.members),
        })).collect::<Vec<_>>(),
        "tags": g.tags.iter().map(|t| json!({ "name": t.name, "slug": t.slug, "pages": ids(&t.pages) }))
            .collect::<Vec<_>>(),
        "redirects": g.redirects.iter().map(|r| json!({
            "from": r.from, "to": id(&r.to), "kind": format!("{:?}", r.kind),
        })).collect::<Vec<_>>(),
        "plain_pages": ids(&g.plain_pages),
        "title_order": ids(&by_title),
    })
}

#[test]
fn graph_snapshot() {
    let site = Site::fixture("snapshot");
    let report = site.build_ok();
    let graph = serde_json::to_string_pretty(&graph_json(&report.compiled.graph)).unwrap();
    insta::assert_snapshot!("graph", graph);
}

/// Every file of the built search index (paths carry content hashes), as text.
#[test]
fn search_index_snapshot() {
    let site = Site::fixture("snapshot");
    site.build_ok();
    let root = site.public();
    let files = crate::harness::files_under(&root.join("search"));
    assert!(
        files.len() >= 3,
        "manifest, a term shard and fragments: {files:?}"
    );
    let mut text = String::new();
    for f in &files {
        let body = std::fs::read_to_string(root.join("search").join(f)).unwrap();
        writeln!(text, "=== search/{f}\n{body}").unwrap();
    }
    insta::assert_snapshot!("search_index", text);
}
