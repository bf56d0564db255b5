//! Every class of front-matter error is reported, all in one run, with <file:line:column>.

use crate::harness::{Site, redact};

fn codes(site: &Site) -> Vec<(String, usize, &'static str)> {
    site.build()
        .compiled
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.line, d.code))
        .collect()
}

#[test]
fn every_error_of_a_run_is_reported() {
    let site = Site::fixture("bad_front_matter");
    let found = codes(&site);
    let expect = [
        ("content/kilder/rapport.md", 3, "unknown-key"),
        ("content/takster/belop-tekst.md", 4, "wrong-type"),
        ("content/takster/mangler-kode.md", 1, "missing-field"),
        ("content/takster/uten-lukking.md", 1, "front-matter"),
        ("content/takster/yaml-feil.md", 3, "yaml"),
        ("content/tiltak/feil-enum.md", 4, "enum-value"),
        ("content/tiltak/feil-ref.md", 5, "dangling-ref"),
        ("content/tiltak/feil-ref.md", 6, "wrong-kind"),
    ];
    for e in expect {
        assert!(
            found.iter().any(|(f, l, c)| (f.as_str(), *l, *c) == e),
            "expected {e:?} in {found:?}"
        );
    }
}

#[test]
fn failing_build_exits_1_and_prints_snippets_and_hints() {
    let site = Site::fixture("bad_front_matter");
    let out = site
        .cli()
        .arg("build")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = redact(&out.stderr, &site);
    insta::assert_snapshot!("bad_front_matter_stderr", stderr);
    assert!(
        !site.public().exists(),
        "nothing is written when the site has errors"
    );
}

#[test]
fn check_json_prints_one_object_per_diagnostic() {
    let site = Site::fixture("bad_front_matter");
    let out = site
        .cli()
        .args(["check", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 8);
    for d in &lines {
        for key in ["file", "line", "column", "severity", "code", "message"] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
    }
    let unknown = lines.iter().find(|d| d["code"] == "unknown-key").unwrap();
    assert_eq!(unknown["hint"], "did you mean `title`?");
}
