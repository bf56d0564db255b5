//! The documentation cannot drift from the code: `docs/theming.md` lists exactly the variables
//! each template gets.

use std::collections::{BTreeMap, BTreeSet};

use crate::harness::Site;

fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// The `<!-- context: NAME -->` tables of `docs/theming.md`: NAME → backticked variable names.
fn documented_contexts() -> BTreeMap<String, BTreeSet<String>> {
    let doc = repo_file("docs/theming.md");
    let mut out = BTreeMap::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("<!-- context: ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        let mut vars = BTreeSet::new();
        for row in lines.by_ref().take_while(|l| l.starts_with('|')) {
            if let Some(var) = row
                .strip_prefix("| `")
                .and_then(|r| r.split('`').next())
            {
                vars.insert(var.to_owned());
            }
        }
        out.insert(name.to_owned(), vars);
    }
    out
}

/// A template that prints every top-level variable and, for a mapping, its keys (`page.title`).
const DUMP: &str = "{% for k, v in __tera_context %}{{ k }}\n{% if v is map %}{% for k2, v2 in v %}{{ k }}.{{ k2 }}\n{% endfor %}{% endif %}{% endfor %}";

#[test]
fn theming_doc_lists_exactly_the_variables_of_every_template() {
    let site = Site::fixture_without_theme("valid");
    // Template → a page it renders in the fixture.
    let rendered = [
        ("page.html", "page", "tiltak/smagrupper/index.html"),
        ("takst.html", "page", "takster/l8/index.html"),
        ("section.html", "section", "kommuner/index.html"),
        ("tag.html", "tag", "emner/takster/index.html"),
        ("tags.html", "tags", "emner/index.html"),
        ("home.html", "home", "index.html"),
        ("search.html", "search", "sok/index.html"),
        ("404.html", "404", "404.html"),
        ("endringer.html", "endringer", "endringer/index.html"),
    ];
    for (template, _, _) in rendered {
        site.write(&format!("themes/default/templates/{template}"), DUMP);
    }
    site.build();
    let docs = documented_contexts();
    let common = &docs["common"];
    let page_fields: BTreeSet<String> = docs["page"]
        .iter()
        .filter(|v| v.starts_with("page."))
        .cloned()
        .collect();
    let mut problems = Vec::new();
    for (template, doc_name, output) in rendered {
        let mut expected: BTreeSet<String> = common.clone();
        for var in docs.get(doc_name).unwrap_or_else(|| panic!("no table for {doc_name}")) {
            if var == "page.*" {
                expected.extend(page_fields.iter().cloned());
            } else {
                expected.insert(var.clone());
            }
        }
        let actual: BTreeSet<String> = site
            .read(output)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("assets."))
            .map(str::to_owned)
            .collect();
        let missing: Vec<_> = actual.difference(&expected).collect();
        let stale: Vec<_> = expected.difference(&actual).collect();
        if !missing.is_empty() || !stale.is_empty() {
            problems.push(format!(
                "{template}: not in docs/theming.md: {missing:?}; documented but not passed: {stale:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn theming_doc_lists_every_file_of_the_built_in_theme() {
    let doc = repo_file("docs/theming.md");
    for (path, _) in veiviser::source::builtin::theme_files() {
        assert!(doc.contains(&format!("`{path}`")), "docs/theming.md does not name {path}");
    }
}
