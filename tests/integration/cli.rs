//! The command line: exit codes, summaries and `new`.

use crate::harness::Site;

#[test]
fn build_prints_a_summary_and_exits_0() {
    let site = Site::fixture("valid");
    let out = site
        .cli()
        .arg("build")
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("built 5 pages"), "{stderr}");
}

#[test]
fn timings_list_every_stage() {
    let site = Site::fixture("valid");
    let out = site
        .cli()
        .args(["build", "--timings"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for stage in ["source", "config", "page", "graph", "html", "output"] {
        assert!(stderr.contains(stage), "{stage} missing in {stderr}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let site = Site::fixture("valid");
    site.cli()
        .args(["build", "--root", "/definitely/not/here"])
        .assert()
        .code(2);
    site.cli().arg("frobnicate").assert().code(2);
}

#[test]
fn new_writes_required_fields_and_never_overwrites() {
    let site = Site::fixture("valid");
    site.cli()
        .args(["new", "takst", "Takst L40"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(site.root.join("content/takster/takst-l40.md")).unwrap();
    assert!(text.starts_with("---\ntitle: \"Takst L40\"\n"), "{text}");
    assert!(text.contains("kode: \"\""), "{text}");
    site.write("content/takster/takst-l40.md", "mine");
    site.cli()
        .args(["new", "takst", "Takst L40"])
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(site.root.join("content/takster/takst-l40.md")).unwrap(),
        "mine"
    );
    site.cli()
        .args(["new", "takts", "X"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean `takst`?"));
}

#[test]
fn a_new_page_fails_check_until_its_required_fields_are_filled() {
    let site = Site::fixture("valid");
    site.cli()
        .args(["new", "takst", "Takst L40"])
        .assert()
        .code(0);
    site.cli()
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicates::str::contains("kode"));
}
