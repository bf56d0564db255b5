//! The hostile fixture corpus (`tests/fixtures/hostile/<case>/`): each case is an overlay on the
//! `valid` site. A case either fails with one named error at `file:line:column` and leaves the
//! previous output byte-for-byte as it was, or builds and lets nothing active through — not in
//! pages, `pages.json`, the search index, nor `veiviser search`.

use std::path::Path;

use crate::fuzz_corpus::checks;
use crate::harness::Site;

enum Expect {
    /// The build fails with (at least) this error.
    Error {
        file: &'static str,
        code: &'static str,
        line: usize,
        column: usize,
    },
    /// The build succeeds (possibly with warnings); the output is checked for active content.
    Builds,
}

const fn error(file: &'static str, code: &'static str, line: usize, column: usize) -> Expect {
    Expect::Error {
        file,
        code,
        line,
        column,
    }
}

const CASES: &[(&str, Expect)] = &[
    ("bom-crlf", Expect::Builds),
    ("control-characters", Expect::Builds),
    (
        "duplicate-code-case",
        error("content/takster/l8-kopi.md", "duplicate-value", 3, 7),
    ),
    (
        "duplicate-explicit-id",
        error("content/kommuner/moss.md", "duplicate-id", 3, 1),
    ),
    (
        "duplicate-id-case",
        error("content/kommuner/halden.md", "duplicate-url", 0, 0),
    ),
    (
        "duplicate-id-normalisation",
        error("content/kommuner/ba\u{30a}tsfjord.md", "duplicate-id", 1, 1),
    ),
    (
        "empty-slug",
        error("content/kommuner/§§.md", "bad-file-name", 0, 0),
    ),
    // Issue 18: an impossible date was told to be written YYYY-MM-DD, which it was.
    (
        "impossible-date",
        error("content/kommuner/dato.md", "wrong-type", 3, 1),
    ),
    (
        "invalid-utf8",
        error("content/kommuner/latin1.md", "invalid-utf8", 2, 13),
    ),
    (
        "malformed-yaml",
        error("content/kommuner/malformed.md", "yaml", 4, 1),
    ),
    (
        "mapping-in-plain-value",
        error("content/kommuner/kolon.md", "yaml", 2, 13),
    ),
    // Issue 18: repeated headings (quadratic once; the scale case is in scripts/hostile-scale.sh);
    // a script in one stays text.
    ("repeated-headings", Expect::Builds),
    ("script-chart", Expect::Builds),
    ("script-field", Expect::Builds),
    ("script-front-matter", Expect::Builds),
    (
        "script-url-link",
        error("content/kommuner/lenker.md", "unsafe-link", 4, 4),
    ),
    (
        "template-filter-error",
        error("themes/default/templates/page.html", "template", 4, 17),
    ),
    (
        "template-syntax-error",
        error("themes/default/templates/page.html", "template", 5, 4),
    ),
    (
        "traversal-alias",
        error("content/kommuner/alias.md", "bad-alias", 4, 5),
    ),
    ("traversal-code", Expect::Builds),
    (
        "traversal-id",
        error("content/kommuner/sti.md", "bad-id", 3, 1),
    ),
    (
        "traversal-link",
        error("content/kommuner/lenke.md", "broken-link", 4, 4),
    ),
    // Issue 18: an unclosed `<details>` hid the rest of the page; now a warning, closed.
    ("unclosed-details", Expect::Builds),
    (
        "unclosed-front-matter",
        error("content/kommuner/apen.md", "front-matter", 1, 1),
    ),
    (
        "yaml-alias-bomb",
        error("content/kommuner/bombe.md", "yaml", 1, 1),
    ),
    (
        "yaml-deep-nesting",
        error("content/kommuner/dyp.md", "yaml", 3, 131),
    ),
    // Found by fuzzing: an empty key made locating it loop forever (the build hung).
    (
        "yaml-empty-key",
        error("content/kommuner/tom-nokkel.md", "unknown-key", 1, 1),
    ),
];

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

#[test]
fn every_case_of_the_corpus_has_an_expectation() {
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus())
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    assert_eq!(on_disk, listed);
}

#[test]
fn each_failing_case_names_file_line_and_column_and_keeps_the_previous_site() {
    let mut problems = Vec::new();
    for (case, expect) in CASES {
        let Expect::Error {
            file,
            code,
            line,
            column,
        } = expect
        else {
            continue;
        };
        let site = Site::fixture("valid");
        site.build_ok();
        let before = site.output_fingerprint();
        site.overlay(&format!("hostile/{case}"));
        let report = site.build();
        let found: Vec<String> = report
            .compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}:{}:{} {}", d.file, d.line, d.column, d.code))
            .collect();
        let wanted = format!("{file}:{line}:{column} {code}");
        if !found.contains(&wanted) {
            problems.push(format!("{case}: wanted {wanted}, found {found:?}"));
        }
        if report.written_to.is_some() || site.output_fingerprint() != before {
            problems.push(format!("{case}: the previous output changed"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn harmless_cases_build_and_nothing_active_reaches_any_output() {
    for (case, expect) in CASES {
        if !matches!(expect, Expect::Builds) {
            continue;
        }
        let site = Site::fixture("valid");
        site.overlay(&format!("hostile/{case}"));
        let report = site.build();
        assert!(
            !report.compiled.has_errors(),
            "{case}: {}",
            veiviser::error::render_all(&report.compiled.diagnostics, false)
        );
        assert_output_is_inert(&site, case);
    }
}

/// No page's `<main>` carries script, event handlers or script URLs; `pages.json` and the search
/// scripts hold text only as JSON strings, with `<` escaped so no `</script>` can end a script
/// they are inlined in; every output path stays inside the output folder.
fn assert_output_is_inert(site: &Site, case: &str) {
    for (rel, _) in site.output_fingerprint() {
        assert!(
            veiviser::output::is_safe_relative(&rel) && !rel.contains("etc"),
            "{case}: {rel}"
        );
        let bytes = std::fs::read(site.public().join(&rel)).unwrap();
        let ext = Path::new(&rel).extension().and_then(|e| e.to_str());
        if ext == Some("html") {
            let html = String::from_utf8(bytes).unwrap();
            if let (Some(a), Some(b)) = (html.find("<main"), html.rfind("</main>")) {
                checks::assert_no_active_content(&html[a..b]);
            }
        } else if rel == "pages.json" {
            let text = String::from_utf8(bytes).unwrap();
            assert!(!text.contains('<'), "{case}: raw < in pages.json");
            serde_json::from_str::<serde_json::Value>(&text).unwrap();
        } else if rel.starts_with("search/") && ext == Some("js") {
            let json = veiviser::search::unscript(&bytes).expect("a search script");
            assert!(!json.contains(&b'<'), "{case}: raw < in {rel}");
            serde_json::from_slice::<serde_json::Value>(json)
                .unwrap_or_else(|e| panic!("{case}: {rel}: {e}"));
        }
    }
}

#[test]
fn search_results_carry_hostile_titles_as_data_only() {
    let site = Site::fixture("valid");
    site.overlay("hostile/script-front-matter");
    site.build();
    let out = site
        .cli()
        .args(["search", "alert", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hit = hits
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "kommune-skript")
        .expect("the hostile page is found");
    assert_eq!(hit["title"], "<script>alert('tittel')</script>");
    assert_eq!(
        hit["url"], "https://test.example.no/kommuner/skript/",
        "{hit}"
    );
}

#[test]
fn control_characters_from_content_never_reach_the_terminal() {
    let site = Site::fixture("valid");
    site.overlay("hostile/control-characters");
    site.build();
    let out = site
        .cli()
        .args(["search", "rode"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Rod \u{fffd}]0;pwned"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    site.write(
        "content/kommuner/kontroll.md",
        "---\ntitle: x\n\"\\e[2J\": 1\n---\n",
    );
    let out = site
        .cli()
        .arg("check")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("unknown key `\u{fffd}[2J`"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

/// The real binary: exit code 1, the position on stderr, the previous site untouched.
#[test]
fn the_binary_exits_1_and_keeps_the_previous_site_for_hostile_input() {
    for (case, at) in [
        ("invalid-utf8", "content/kommuner/latin1.md:2:13"),
        ("yaml-alias-bomb", "content/kommuner/bombe.md:1:1"),
        (
            "template-syntax-error",
            "themes/default/templates/page.html:5:4",
        ),
        ("traversal-link", "content/kommuner/lenke.md:4:4"),
    ] {
        let site = Site::fixture("valid");
        site.cli().arg("build").assert().success();
        let before = site.output_fingerprint();
        site.overlay(&format!("hostile/{case}"));
        let stderr = site.stderr_of_failing("build");
        assert!(stderr.contains(at), "{case}: {stderr}");
        assert_eq!(before, site.output_fingerprint(), "{case}");
    }
}
