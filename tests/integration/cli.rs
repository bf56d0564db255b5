//! The command line: exit codes, summaries and `new`.

use crate::harness::{self, Site};

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
    let text = site.source("content/takster/l40.md");
    assert!(text.starts_with("---\ntitle: \"Takst L40\"\n"), "{text}");
    assert!(text.contains("kode: \"L40\""), "{text}");
    site.write("content/takster/l40.md", "mine");
    site.cli()
        .args(["new", "takst", "Takst L40"])
        .assert()
        .code(2);
    assert_eq!(site.source("content/takster/l40.md"), "mine");
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
        .stderr(predicates::str::contains("sources"));
}

/// Issue 18, item 3: the README's own example wrote `content/takster/takst-l9.md` (id
/// `takst-takst-l9`, URL `/takster/takst-l9/`), unlike every page of the site (`l8.md` →
/// `takst-l8`), and said nothing of the id or URL it would have.
#[test]
fn new_takst_l9_was_named_takst_takst_l9_now_l9_with_its_id_and_url_printed() {
    let site = Site::fixture("valid");
    let out = site
        .cli()
        .args(["new", "takst", "Takst L9"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("created content/takster/l9.md"), "{stderr}");
    assert!(
        stderr.contains("takst-l9") && stderr.contains("/takster/l9/"),
        "{stderr}"
    );
    let text = site.source("content/takster/l9.md");
    assert!(text.contains("kode: \"L9\""), "{text}");
    // Titles name the code before a dash, as the site's do.
    site.cli()
        .args(["new", "takst", "Takst L11 – prøvetakst"])
        .assert()
        .code(0);
    let text = site.source("content/takster/l11.md");
    assert!(text.contains("kode: \"L11\""), "{text}");
    // A kind without a code field: the slug of the title without the kind's label.
    site.cli()
        .args(["new", "tiltak", "Tiltak Lokale grupper"])
        .assert()
        .code(0);
    assert!(site.root.join("content/tiltak/lokale-grupper.md").is_file());
    // A sentence as a title: the file name is cut at a word, not refused by the file system.
    let long = "Tiltak Lokale grupper for fastleger og rådgivende leger som møtes hver måned i kommunens lokaler for å drøfte sykmeldinger";
    site.cli().args(["new", "tiltak", long]).assert().code(0);
    assert!(
        site.root
            .join("content/tiltak/lokale-grupper-for-fastleger-og-radgivende-leger-som-motes.md")
            .is_file(),
        "{:?}",
        harness::files_under(&site.root.join("content/tiltak"))
    );
    let word = "x".repeat(300);
    site.cli().args(["new", "tiltak", &word]).assert().code(0);
    assert!(
        site.root
            .join(format!("content/tiltak/{}.md", "x".repeat(60)))
            .is_file()
    );
}

/// Issue 18, item 3: `new` refuses a page whose id, URL or code another page already has.
#[test]
fn new_refuses_a_name_that_collides_with_an_existing_page() {
    let site = Site::fixture("valid");
    site.cli()
        .args(["new", "takst", "Takst L8"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "collide with content/takster/l8.md",
        ));
    // Another file name, the same code.
    site.write(
        "content/takster/gammel.md",
        "---\ntitle: Gammel\nkode: L77\n---\n",
    );
    site.cli()
        .args(["new", "takst", "Takst l77"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("its kode is l77"));
    assert!(!site.root.join("content/takster/l77.md").exists());
}
