//! A failing build leaves the previous output byte-for-byte untouched; a good one leaves nothing
//! stale behind.

use crate::harness::{self, Site};

#[test]
fn failing_build_keeps_previous_output_identical() {
    let site = Site::fixture("valid");
    site.build_ok();
    let before = site.output_fingerprint();
    site.write(
        "content/takster/l8.md",
        "---\ntitle: Ødelagt\nkode: L8\nukjent: 1\n---\n",
    );
    let report = site.build();
    assert!(report.compiled.has_errors());
    assert!(report.written_to.is_none());
    assert_eq!(before, site.output_fingerprint());
}

#[test]
fn template_error_keeps_previous_output_and_names_the_template() {
    let site = Site::fixture("valid");
    site.build_ok();
    let before = site.output_fingerprint();
    site.write("themes/default/templates/page.html", "{% extends \"base.html\" %}\n{% block main %}\n{{ page.title | nonexistent_filter }}\n{% endblock main %}\n");
    let report = site.build();
    let d = &report.compiled.diagnostics;
    assert!(
        d.iter()
            .any(|d| d.file == "themes/default/templates/page.html" && d.line == 3),
        "{d:?}"
    );
    assert_eq!(before, site.output_fingerprint());
}

#[test]
fn successful_build_removes_stale_files_and_leaves_no_temporaries() {
    let site = Site::fixture("valid");
    site.write(
        "content/kommuner/ekstra.md",
        "---\ntitle: Ekstra\n---\nTekst.\n",
    );
    site.build_ok();
    assert!(site.public().join("kommuner/ekstra/index.html").exists());
    site.remove("content/kommuner/ekstra.md");
    // Retired on purpose: without this, urls.lock keeps the published URL alive (and fails).
    site.remove("urls.lock");
    site.build_ok();
    assert!(!site.public().join("kommuner/ekstra/index.html").exists());
    let leftovers: Vec<String> = std::fs::read_dir(&site.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".veiviser-build"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_folder_not_made_by_veiviser_is_never_replaced() {
    let site = Site::fixture("valid");
    site.write("public/notes.txt", "mine");
    let out = site
        .cli()
        .arg("build")
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not made by veiviser"));
    assert_eq!(
        std::fs::read_to_string(site.public().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn regression_an_out_path_through_a_missing_folder_never_replaces_the_content() {
    // `--out public/../content` was checked as written: `public` did not exist, so nothing was
    // found there, `public` was created, and the path then led to `content/`, which was swapped
    // out for the built site and deleted. Now every path is resolved before it is checked.
    let site = Site::fixture("valid");
    let page_count = |site: &Site| harness::files_under(&site.root.join("content")).len();
    let pages = page_count(&site);
    for (out, refusal) in [
        ("public/../content", "inside the site's content/ folder"),
        (
            "nowhere/../themes/../content/x",
            "inside the site's content/ folder",
        ),
        ("nowhere/..", "contains the site itself"),
        ("a/b/../../..", "contains the site itself"),
    ] {
        let result = site
            .cli()
            .args(["build", "--out", out])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(stderr.contains(refusal), "{out}: {stderr}");
        assert!(
            stderr.contains("(that is "),
            "{out}: names the resolved folder: {stderr}"
        );
        assert_eq!(page_count(&site), pages, "{out}: content lost");
    }
    // Through a symlinked folder: the link is followed, so content/ is still recognised.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(site.root.join("content"), site.root.join("link")).unwrap();
        site.cli()
            .args(["build", "--out", "link/ut"])
            .assert()
            .code(2);
        assert_eq!(page_count(&site), pages);
    }
    // A path with `..` that leads somewhere harmless still builds there.
    site.cli()
        .args(["build", "--out", "nowhere/../ut"])
        .assert()
        .success();
    assert!(site.root.join("ut/index.html").is_file());
}
