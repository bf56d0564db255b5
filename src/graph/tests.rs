//! `graph::build` on pages parsed from inline text: no fixture folder, no disk.

use super::*;
use crate::source::SourceFile;

const CONFIG: &str = "title: T
base_url: https://e.org
kinds:
  takst:
    label: Takst
    plural: Takster
    section: takster
  tiltak:
    label: Tiltak
    plural: Tiltak
    section: tiltak
    fields:
      takster: { type: refs, to: takst, label: Takster, inverse_label: Brukes i tiltak }
";

fn build_from(files: &[(&str, &str)], include_drafts: bool) -> (SiteGraph, Vec<Diagnostic>) {
    let config = Config::parse(CONFIG).unwrap();
    let pages = files
        .iter()
        .map(|(path, text)| {
            let parsed = crate::page::parse(&SourceFile::inline(path, text), &config);
            assert!(
                parsed.diagnostics.is_empty(),
                "{path}: {:?}",
                parsed.diagnostics
            );
            std::sync::Arc::new(parsed.page.unwrap())
        })
        .collect();
    build(pages, &config, GraphOptions { include_drafts })
}

fn ix(graph: &SiteGraph, id: &str) -> PageIx {
    graph.by_id[id]
}

#[test]
fn a_relation_is_listed_forward_on_its_page_and_backward_on_its_target() {
    let (graph, diags) = build_from(
        &[
            ("content/takster/l8.md", "---\ntitle: L8\n---\nTekst.\n"),
            (
                "content/tiltak/grupper.md",
                "---\ntitle: Grupper\ntakster: [takst-l8]\n---\n",
            ),
        ],
        false,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let (l8, grupper) = (ix(&graph, "takst-l8"), ix(&graph, "tiltak-grupper"));
    let forward = &graph.relations[grupper];
    assert_eq!(forward.len(), 1);
    assert_eq!(
        (forward[0].field.as_str(), forward[0].pages.as_slice()),
        ("takster", &[l8][..])
    );
    let back = &graph.backlinks[l8];
    assert_eq!(back.len(), 1);
    assert_eq!(
        (back[0].label.as_str(), back[0].pages.as_slice()),
        ("Brukes i tiltak", &[grupper][..])
    );
    assert_eq!(graph.section_of("takst").unwrap().members, vec![l8]);
}

#[test]
fn a_relation_to_a_missing_id_is_an_error_at_the_id_in_the_front_matter() {
    let (graph, diags) = build_from(
        &[
            ("content/takster/l8.md", "---\ntitle: L8\n---\n"),
            (
                "content/tiltak/grupper.md",
                "---\ntitle: Grupper\ntakster: [takst-l9]\n---\n",
            ),
        ],
        false,
    );
    let d: Vec<_> = diags.iter().filter(|d| d.code == "dangling-ref").collect();
    assert_eq!(d.len(), 1, "{diags:?}");
    assert_eq!(
        (d[0].file.as_str(), d[0].line, d[0].column),
        ("content/tiltak/grupper.md", 3, 11)
    );
    assert!(graph.relations[ix(&graph, "tiltak-grupper")].is_empty());
}

#[test]
fn drafts_are_left_out_unless_asked_for_and_a_reference_to_one_says_so() {
    let files = [
        (
            "content/takster/l8.md",
            "---\ntitle: L8\ndraft: true\n---\n",
        ),
        (
            "content/tiltak/grupper.md",
            "---\ntitle: Grupper\ntakster: [takst-l8]\n---\n",
        ),
    ];
    let (graph, diags) = build_from(&files, false);
    assert!(!graph.by_id.contains_key("takst-l8"));
    let hint = diags
        .iter()
        .find(|d| d.code == "dangling-ref")
        .and_then(|d| d.hint.clone())
        .unwrap_or_default();
    assert!(hint.contains("draft"), "{diags:?}");
    let (graph, diags) = build_from(&files, true);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        graph.backlinks[ix(&graph, "takst-l8")][0].pages,
        vec![ix(&graph, "tiltak-grupper")]
    );
}

#[test]
fn generated_page_urls_lie_in_the_reserved_folders() {
    // `vocab::GENERATED_FOLDERS` is what content may not claim; every page veiviser makes must be
    // in one of them, or a content page could take its URL unreported.
    for url in [SEARCH_URL, CHANGES_URL, TAGS_URL, &tag_url("x")] {
        assert!(
            crate::vocab::generated_folder_of(url).is_some(),
            "{url} is not in a reserved folder"
        );
    }
}
