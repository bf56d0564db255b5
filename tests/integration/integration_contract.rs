//! The contract with record systems and other sites (`docs/integration.md`): `pages.json`
//! valid against the schema published beside it, the `OpenSearch` description linked from every
//! page, and `/sok/?q=` as the search URL.

use crate::harness::Site;

fn schema() -> serde_json::Value {
    serde_json::from_str(include_str!("../../schemas/pages.schema.json")).unwrap()
}

#[track_caller]
fn assert_valid(instance: &serde_json::Value) {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn pages_json_of_a_built_site_validates_against_the_published_schema() {
    let site = Site::fixture("valid");
    site.build_ok();
    let pages: serde_json::Value = serde_json::from_str(&site.read("pages.json")).unwrap();
    assert_valid(&pages);
    assert_eq!(pages["version"], 1);
    assert_eq!(pages["schema"], "https://test.example.no/pages.schema.json");
    assert_eq!(
        pages["site"]["search_url"],
        "https://test.example.no/sok/?q={searchTerms}"
    );
    // The schema is published beside it, byte for byte the repository's file.
    assert_eq!(
        site.read("pages.schema.json"),
        include_str!("../../schemas/pages.schema.json")
    );
}

#[test]
fn the_schema_refuses_what_the_contract_rules_out() {
    let site = Site::fixture("valid");
    site.build_ok();
    let good: serde_json::Value = serde_json::from_str(&site.read("pages.json")).unwrap();
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let mut wrong_version = good.clone();
    wrong_version["version"] = 2.into();
    let mut unknown_field = good.clone();
    unknown_field["pages"][0]["neste"] = "x".into();
    let mut relative_path = good;
    relative_path["pages"][0]["path"] = "takster/l8/".into();
    for bad in [wrong_version, unknown_field, relative_path] {
        assert!(!validator.is_valid(&bad));
    }
}

#[test]
fn every_page_links_the_opensearch_description_which_names_the_search_url() {
    let site = Site::fixture("valid");
    site.build_ok();
    let xml = site.read("opensearch.xml");
    assert!(
        xml.contains("xmlns=\"http://a9.com/-/spec/opensearch/1.1/\"")
            && xml.contains("template=\"https://test.example.no/sok/?q={searchTerms}\""),
        "{xml}"
    );
    for (page, href) in [
        ("index.html", "./opensearch.xml"),
        ("takster/l8/index.html", "../../opensearch.xml"),
        ("sok/index.html", "../opensearch.xml"),
    ] {
        let html = site.read(page);
        assert!(
            html.contains(&format!(
                "<link rel=\"search\" type=\"application/opensearchdescription+xml\" title=\"Testsite\" href=\"{href}\">"
            )),
            "{page}"
        );
    }
}

/// GitLab Pages serves a project site under `/<project>/` and matches `_redirects` against the
/// path it sees, so every rule must start with that path; the rules had it left out, so on such a
/// site no rule matched.
#[test]
fn regression_redirect_rules_of_a_site_under_a_path_carry_that_path() {
    let site = Site::fixture("valid");
    site.cli()
        .args(["build", "--base-url", "https://group.gitlab.io/kb/"])
        .assert()
        .success();
    let rules = site.read("_redirects");
    assert!(
        rules.contains("\n/kb/takster/L8/ /kb/takster/l8/ 301\n"),
        "{rules}"
    );
    assert!(
        rules
            .lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| l.starts_with("/kb/") && l.contains(" /kb/")),
        "{rules}"
    );
    // The 404 page, served at any depth, takes the same path from the same place.
    assert!(site.read("404.html").contains("href=\"/kb/takster/\""));
}

#[test]
fn redirect_rules_list_every_alias_and_code_url_for_hosts_that_read_them() {
    let site = Site::fixture("valid");
    let l8 = site.source("content/takster/l8.md");
    site.write(
        "content/takster/l8.md",
        l8.replacen("---\n", "---\naliases: [/gammel/l8/]\n", 1),
    );
    site.build_ok();
    let rules = site.read("_redirects");
    assert!(
        rules.contains("\n/takster/L8/ /takster/l8/ 301\n"),
        "{rules}"
    );
    assert!(
        rules.contains("\n/gammel/l8/ /takster/l8/ 301\n"),
        "{rules}"
    );
    // Every rule has exactly three fields, and its source is a redirect page too.
    for line in rules.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.len(), 3, "{line}");
        let page = format!("{}index.html", &fields[0][1..]);
        assert!(
            site.read(&page).contains("http-equiv=\"refresh\""),
            "{page}"
        );
    }
}
