//! A valid site builds into a complete, linked, deterministic static site.

use std::collections::{BTreeSet, VecDeque};

use crate::harness::{Site, hrefs};

#[test]
fn valid_site_builds_every_output() {
    let site = Site::fixture("valid");
    let report = site.build_ok();
    assert_eq!(report.compiled.page_count(), 5);
    for file in [
        "index.html",
        "takster/index.html",
        "takster/l8/index.html",
        "emner/index.html",
        "emner/legeerklaering/index.html",
        "sok/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "pages.json",
        ".veiviser-output",
    ] {
        assert!(site.public().join(file).is_file(), "missing {file}");
    }
    let l8 = site.read("takster/l8/index.html");
    assert!(l8.contains("<html lang=\"nb\">"));
    assert!(
        l8.contains("<a href=\"../../takster/14/#belop\">takst 14</a>"),
        "relative .md link with anchor rewritten"
    );
    assert!(!l8.contains('\0'), "no placeholder may survive");
    let css = std::fs::read_dir(site.public().join("assets"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .find(|n| n.starts_with("style."))
        .unwrap();
    assert!(
        l8.contains(&format!("assets/{css}")),
        "pages link the fingerprinted stylesheet"
    );
}

#[test]
fn every_page_is_reachable_from_the_home_page_and_every_link_resolves() {
    let site = Site::fixture("valid");
    site.build_ok();
    let public = site.public();
    let mut seen = BTreeSet::from(["index.html".to_owned()]);
    let mut queue = VecDeque::from(["index.html".to_owned()]);
    while let Some(page) = queue.pop_front() {
        let html = site.read(&page);
        let dir = std::path::Path::new(&page).parent().unwrap().to_owned();
        for href in hrefs(&html) {
            if href.starts_with("http") || href.starts_with('#') {
                continue;
            }
            let (path, fragment) = href
                .split_once('#')
                .map_or((href.as_str(), None), |(p, f)| (p, Some(f)));
            let mut target = dir.join(path);
            if path.ends_with('/') || path.is_empty() {
                target = target.join("index.html");
            }
            let target = normalise(&target);
            assert!(
                public.join(&target).is_file(),
                "{page}: link {href} leads nowhere ({target})"
            );
            if let Some(f) = fragment {
                let html = site.read(&target);
                assert!(
                    html.contains(&format!("id=\"{f}\"")),
                    "{page}: anchor #{f} missing on {target}"
                );
            }
            if std::path::Path::new(&target)
                .extension()
                .is_some_and(|e| e == "html")
                && seen.insert(target.clone())
            {
                queue.push_back(target);
            }
        }
    }
    for page in [
        "takster/l8/index.html",
        "takster/14/index.html",
        "tiltak/smagrupper/index.html",
        "kommuner/fredrikstad/index.html",
        "kilder/rapport/index.html",
    ] {
        assert!(
            seen.contains(page),
            "{page} is not reachable from the home page"
        );
    }
}

fn normalise(path: &std::path::Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

#[test]
fn relations_show_on_both_ends() {
    let site = Site::fixture("valid");
    site.build_ok();
    // Grouped by the related page's kind, in the list and in the relation map.
    let kommune = site.main_of("kommuner/fredrikstad/index.html");
    assert!(
        kommune.contains("id=\"relasjoner-tiltak\"")
            && kommune.contains("<a href=\"../../tiltak/smagrupper/\">"),
        "{kommune}"
    );
    assert!(
        kommune.contains("<a class=\"rmap-node\" href=\"../../tiltak/smagrupper/\">"),
        "{kommune}"
    );
    let takst = site.main_of("takster/14/index.html");
    assert!(
        takst.contains("<h3>Tiltak <span class=\"count\">(1)</span></h3>"),
        "{takst}"
    );
    let kilde = site.main_of("kilder/rapport/index.html");
    assert!(
        kilde.contains("Sider som bygger på denne kilden") && kilde.contains("../../takster/l8/"),
        "{kilde}"
    );
}

#[test]
fn rebuilds_are_byte_identical() {
    let site = Site::fixture("valid");
    site.build_ok();
    let first = site.output_fingerprint();
    site.build_ok();
    assert_eq!(first, site.output_fingerprint());
}

#[test]
fn pages_json_lists_codes_urls_and_anchors() {
    let site = Site::fixture("valid");
    site.build_ok();
    let l8 = site.pages_json_entry("takst-l8");
    assert_eq!(l8["code"], "L8");
    assert_eq!(l8["url"], "https://test.example.no/takster/l8/");
    assert_eq!(l8["anchors"][0]["id"], "nar-brukes-l8");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::fixture("valid");
    site.write(
        "content/takster/l4.md",
        "---\ntitle: Takst L4\nkode: L4\ndraft: true\n---\nUtkast.\n",
    );
    site.build_ok();
    assert!(!site.public().join("takster/l4/index.html").exists());
    let report = veiviser::pipeline::build(
        &veiviser::pipeline::BuildOptions {
            root: site.root.clone(),
            drafts: true,
            ..Default::default()
        },
        true,
        &veiviser::pipeline::Silent,
    )
    .unwrap();
    assert!(!report.compiled.has_errors());
    assert!(
        site.read("takster/l4/index.html")
            .contains("Utkast – vises bare")
    );
}

#[test]
fn chart_block_renders_accessible_svg() {
    let site = Site::fixture("valid");
    site.build_ok();
    let l8 = site.main_of("takster/l8/index.html");
    assert!(l8.contains("role=\"img\"") && l8.contains("<title id=\"diagram-1-t\">Bruk</title>"));
    assert!(l8.contains("<th scope=\"row\">Fastleger</th><td>42\u{a0}%</td>"));
}

/// Issue 17: a build writes each file into the staging folder as soon as it is made and keeps
/// none of them: it returns no files, the sizes it counted are those of the folder it published,
/// and the section texts are released once the index is built. `veiviser check`, which writes
/// nothing, returns the same files in memory.
#[test]
fn a_build_streams_its_files_and_counts_what_it_wrote() {
    let site = Site::fixture("valid");
    let report = site.build_ok();
    let c = &report.compiled;
    assert!(c.files.is_empty(), "{} files held", c.files.len());
    assert!(c.graph.pages.iter().all(|p| p.body.sections.is_empty()));
    let public = site.public();
    let mut on_disk = std::collections::BTreeMap::new();
    for e in walkdir::WalkDir::new(&public).into_iter().flatten() {
        if e.file_type().is_file() && e.file_name() != ".veiviser-output" {
            on_disk.insert(
                normalise(e.path().strip_prefix(&public).unwrap()),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    assert_eq!(c.size.files, on_disk.len());
    let bytes = |under: &str| -> u64 {
        on_disk
            .iter()
            .filter(|(p, _)| p.starts_with(under))
            .map(|(_, b)| b.len() as u64)
            .sum()
    };
    assert_eq!(c.size.bytes, bytes(""));
    assert_eq!(c.size.index_bytes, bytes("search/"));
    assert!(c.size.index_bytes > 0);
    let checked = veiviser::pipeline::build(
        &veiviser::pipeline::BuildOptions {
            root: site.root.clone(),
            ..Default::default()
        },
        false,
        &veiviser::pipeline::Silent,
    )
    .unwrap();
    let in_memory: std::collections::BTreeMap<String, Vec<u8>> = checked
        .compiled
        .files
        .into_iter()
        .map(|f| (f.path, f.bytes.to_vec()))
        .collect();
    assert!(in_memory == on_disk, "check and build made different files");
    assert_eq!(checked.compiled.size, c.size);
}
