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
            if let Some(var) = row.strip_prefix("| `").and_then(|r| r.split('`').next()) {
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
        for var in docs
            .get(doc_name)
            .unwrap_or_else(|| panic!("no table for {doc_name}"))
        {
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
    for (path, _) in veiviser::source::theme_files() {
        assert!(
            doc.contains(&format!("`{path}`")),
            "docs/theming.md does not name {path}"
        );
    }
}

/// The README and every `docs/*.md`, with their repository paths.
fn documents() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![
        ("README.md".to_owned(), repo_file("README.md")),
        ("ARCHITECTURE.md".to_owned(), repo_file("ARCHITECTURE.md")),
    ];
    let mut names: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "md")
        })
        .collect();
    names.sort();
    for n in names {
        let rel = format!("docs/{n}");
        docs.push((rel.clone(), repo_file(&rel)));
    }
    // The deployment recipes and the Dockerfile are code through and through: a fenced block.
    let mut recipes: Vec<_> = std::fs::read_dir(root.join("docs/deploy"))
        .unwrap()
        .map(|e| {
            format!(
                "docs/deploy/{}",
                e.unwrap().file_name().into_string().unwrap()
            )
        })
        .collect();
    recipes.sort();
    recipes.push("Dockerfile".to_owned());
    for rel in recipes {
        let text = format!("```\n{}\n```\n", repo_file(&rel));
        docs.push((rel, text));
    }
    docs
}

/// The code in a Markdown text: inline code spans and the lines of fenced blocks, with the line
/// each starts on.
fn code_of(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            out.push((i + 1, line.to_owned()));
            continue;
        }
        let mut parts = line.split('`');
        parts.next();
        while let (Some(code), Some(_)) = (parts.next(), parts.next()) {
            out.push((i + 1, code.to_owned()));
        }
    }
    out
}

/// A Markdown text without its code: fenced blocks and inline code spans removed.
fn prose_of(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.extend(line.split('`').step_by(2));
            out.push('\n');
        }
    }
    out
}

/// Folders and files of the repository that documentation names by path.
const REPO_DIRS: &[&str] = &[
    "docs/", "src/", "tests/", "schemas/", "init/", "scripts/", "benches/", "themes/", ".ci/",
    "fuzz/",
];
/// Paths the documentation names that a build or test run makes (git-ignored).
const GENERATED: &[&str] = &["tests/browser/artifacts/", "tests/browser/node_modules/"];
const REPO_FILES: &[&str] = &[
    "Dockerfile",
    ".dockerignore",
    "README.md",
    "BENCHMARKS.md",
    "Cargo.toml",
];

#[test]
fn docs_name_only_commands_flags_and_files_that_exist() {
    use clap::CommandFactory as _;
    let cli = veiviser::cli::Cli::command();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut commands_seen = 0;
    for (doc, text) in documents() {
        for (line, code) in code_of(&text) {
            // `veiviser <command> [<subcommand>] [--flags]`, anywhere in the code.
            // Comments in recipes and shell blocks are prose.
            let command_text = if code.trim_start().starts_with('#') {
                ""
            } else {
                code.as_str()
            };
            let words: Vec<&str> = command_text.split_whitespace().collect();
            for (i, w) in words.iter().enumerate() {
                if *w != "veiviser" || i + 1 >= words.len() {
                    continue;
                }
                let name = words[i + 1];
                if !name.chars().all(|c| c.is_ascii_lowercase() || c == '-') || name.is_empty() {
                    continue;
                }
                let Some(mut command) = cli.find_subcommand(name) else {
                    problems.push(format!("{doc}:{line}: `veiviser {name}` is not a command"));
                    continue;
                };
                commands_seen += 1;
                let mut rest = &words[i + 2..];
                if command.has_subcommands() {
                    match rest.first().and_then(|s| command.find_subcommand(s)) {
                        Some(sub) => {
                            command = sub;
                            rest = &rest[1..];
                        }
                        None => problems.push(format!(
                            "{doc}:{line}: `veiviser {name}` needs a subcommand that exists"
                        )),
                    }
                }
                for flag in rest
                    .iter()
                    .take_while(|w| !matches!(**w, "&&" | "||" | "|" | ";"))
                {
                    let Some(long) = flag.strip_prefix("--") else {
                        continue;
                    };
                    let long = long.split('=').next().unwrap_or_default();
                    let known = long == "help"
                        || command.get_arguments().any(|a| a.get_long() == Some(long));
                    if !known {
                        problems.push(format!(
                            "{doc}:{line}: `veiviser {name}` has no option --{long}"
                        ));
                    }
                }
            }
            // A repository path in backticks (or in a fenced block, as a whole word).
            for token in code.split(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                let token = token.trim_end_matches([',', ';', ')', ':']);
                let in_repo =
                    REPO_DIRS.iter().any(|d| token.starts_with(d)) || REPO_FILES.contains(&token);
                let plain = token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'));
                if in_repo && plain && !GENERATED.contains(&token) && !root.join(token).exists() {
                    problems.push(format!(
                        "{doc}:{line}: `{token}` does not exist in the repository"
                    ));
                }
            }
        }
        // Relative Markdown links between documents (not the examples in code).
        for part in prose_of(&text).split("](").skip(1) {
            let target = part.split(')').next().unwrap_or_default();
            let file = target.split('#').next().unwrap_or_default();
            if file.is_empty() || file.contains("://") || file.starts_with("mailto:") {
                continue;
            }
            let base = std::path::Path::new(&doc).parent().unwrap();
            if !root.join(base).join(file).exists() {
                problems.push(format!("{doc}: link to {file}, which does not exist"));
            }
        }
    }
    assert!(
        commands_seen > 20,
        "the scan found too few commands: {commands_seen}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_deployment_workflows_are_valid_yaml_that_build_with_locked() {
    for file in ["docs/deploy/github-pages.yml", "docs/deploy/gitlab-ci.yml"] {
        let text = repo_file(file);
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(yaml.is_mapping(), "{file}");
        assert!(
            text.contains("veiviser build --locked --base-url"),
            "{file}"
        );
        assert!(text.contains("cargo install --locked"), "{file}");
    }
}
