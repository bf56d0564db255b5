//! The stage boundaries of `ARCHITECTURE.md`, checked on the source: every `crate::…`/`super::…`
//! path of every file under `src/` (in `use` items and in code, parsed with `syn`, so comments
//! and strings never count) is resolved to the top-level module it names, and
//!
//! - a module imports only modules below it in [`LAYERS`] (no import from a later stage, none
//!   from a stage into `pipeline`, `cli` or `serve`);
//! - the top-level modules have no import cycle;
//! - nothing outside a stage names one of the stage's submodules (`crate::graph::lock::…`): a
//!   stage is used through what its `mod.rs` exports, and a stage's `mod.rs` declares no
//!   `pub mod`.
//!
//! The few known exceptions are listed in [`ALLOWED`] with their reason; an exception that no
//! longer occurs fails too, so the list only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Top-level modules by layer, lowest first. A module may import modules of its own layer only
/// when both are in the shared layer (0); otherwise only modules of lower layers.
const LAYERS: &[(&str, u32)] = &[
    // Shared vocabulary below the stages.
    ("vocab", 0),
    ("error", 0),
    ("yaml", 0),
    ("config", 0),
    // The stages, in pipeline order.
    ("source", 1),
    ("page", 2),
    ("graph", 3),
    ("search", 4),
    ("html", 5),
    ("output", 6),
    // Around the stages.
    ("pipeline", 7),
    ("serve", 8),
    ("cli", 9),
];

/// The stages: used from outside only through their `mod.rs`.
const STAGES: &[&str] = &["source", "page", "graph", "search", "html", "output"];

/// Known exceptions: (file under `src/`, module path it names, reason).
const ALLOWED: &[(&str, &str, &str)] = &[];

/// Stage `mod.rs` files that may still declare `pub mod`: `search`, whose submodules the
/// integration tests still reach (`search::reader`, `search::query`, `search::engine`) and the
/// fuzz harness (`search::analyse`); its other submodules are private.
const PUB_MOD_ALLOWED: &[&str] = &["search"];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// One path a file names: from which module (as a path of module names) to which absolute path.
#[derive(Debug)]
struct Reference {
    file: String,
    from: Vec<String>,
    to: Vec<String>,
}

struct Collector<'a> {
    file: &'a str,
    module: Vec<String>,
    out: &'a mut Vec<Reference>,
}

impl Collector<'_> {
    /// `segments` starting with `crate`, `super` or `self`, made absolute; other paths are
    /// external crates, locals or children named without a prefix (never another top module).
    fn add(&mut self, segments: &[String]) {
        let mut abs = self.module.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                abs.clear();
                rest = &rest[1..];
            }
            Some("super" | "self") => {
                while let Some(s) = rest.first().map(String::as_str) {
                    match s {
                        "super" => {
                            abs.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            _ => return,
        }
        abs.extend(
            rest.iter()
                .filter(|s| s.as_str() != "self" && s.as_str() != "*")
                .cloned(),
        );
        self.out.push(Reference {
            file: self.file.to_owned(),
            from: self.module.clone(),
            to: abs,
        });
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                let full = prefix.clone();
                self.add(&full);
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                let full = prefix.clone();
                self.add(&full);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => {
                let full = prefix.clone();
                self.add(&full);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.add(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/` with its module path (`graph/lock.rs` → `graph::lock`).
fn source_files() -> Vec<(String, Vec<String>)> {
    let src = src_dir();
    crate::harness::files_under(&src)
        .into_iter()
        .filter(|rel| Path::new(rel).extension().is_some_and(|x| x == "rs"))
        .map(|rel| {
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_owned)
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            (rel, module)
        })
        .collect()
}

fn references() -> Vec<Reference> {
    let mut out = Vec::new();
    for (rel, module) in source_files() {
        let text = std::fs::read_to_string(src_dir().join(&rel)).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("src/{rel}: {e}"));
        Collector {
            file: &rel,
            module,
            out: &mut out,
        }
        .visit_file(&file);
    }
    out
}

/// The submodules of top-level module `top` that live in files (`src/<top>/<name>.rs` or
/// `src/<top>/<name>/`).
fn submodules(top: &str) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(src_dir().join(top)) else {
        return BTreeSet::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            if p.is_dir() {
                Some(name)
            } else {
                name.strip_suffix(".rs")
                    .filter(|n| *n != "mod")
                    .map(str::to_owned)
            }
        })
        .collect()
}

/// What the checks found: violations (file, what it names, why it is wrong), and the allowed
/// exceptions that occurred.
fn check(refs: &[Reference]) -> (Vec<String>, BTreeSet<(String, String)>) {
    let mut problems = Vec::new();
    let mut used_exceptions = BTreeSet::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for r in refs {
        let (Some(from), Some(to)) = (r.from.first(), r.to.first()) else {
            continue;
        };
        if from == to || layer(to).is_none() {
            continue;
        }
        let named = r.to.iter().take(2).cloned().collect::<Vec<_>>().join("::");
        if !seen.insert((r.file.clone(), named.clone())) {
            continue;
        }
        if let Some((file, path, _)) = ALLOWED
            .iter()
            .find(|(file, path, _)| *file == r.file && (named == *path || to == path))
        {
            used_exceptions.insert(((*file).to_owned(), (*path).to_owned()));
            continue;
        }
        let from_layer = layer(from)
            .unwrap_or_else(|| panic!("src/{}: module `{from}` is missing from LAYERS", r.file));
        let to_layer = layer(to).unwrap();
        if to_layer > from_layer || (to_layer == from_layer && from_layer != 0) {
            problems.push(format!(
                "src/{}: `{from}` names `crate::{named}`, which is not below it (layer {to_layer} ≥ {from_layer})",
                r.file
            ));
        }
        if STAGES.contains(&to.as_str()) && r.to.get(1).is_some_and(|s| submodules(to).contains(s))
        {
            problems.push(format!(
                "src/{}: names `crate::{named}`, a submodule of the `{to}` stage; use what `{to}` exports",
                r.file
            ));
        }
        edges.entry(from.clone()).or_default().insert(to.clone());
    }
    if let Some(cycle) = find_cycle(&edges) {
        problems.push(format!(
            "import cycle between top-level modules: {}",
            cycle.join(" → ")
        ));
    }
    for stage in STAGES.iter().filter(|s| !PUB_MOD_ALLOWED.contains(s)) {
        let text = std::fs::read_to_string(src_dir().join(stage).join("mod.rs")).unwrap();
        for line in text
            .lines()
            .filter(|l| l.trim_start().starts_with("pub mod ") && l.trim_end().ends_with(';'))
        {
            problems.push(format!(
                "src/{stage}/mod.rs: `{}`: a stage's submodules are private",
                line.trim()
            ));
        }
    }
    (problems, used_exceptions)
}

/// A cycle in `edges`, as the modules along it (first repeated at the end), if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn stages_import_only_what_is_below_them_without_cycles_or_reaching_into_submodules() {
    let refs = references();
    assert!(
        refs.len() > 100,
        "the parser found only {} paths",
        refs.len()
    );
    let (problems, used) = check(&refs);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (file, path, _) in ALLOWED {
        assert!(
            used.iter().any(|(f, p)| f == file && p == path),
            "the exception for src/{file} naming `{path}` no longer occurs: remove it from ALLOWED"
        );
    }
}

#[test]
fn the_boundary_check_catches_a_forward_import_a_cycle_and_a_reach_into_a_stage() {
    let reference = |file: &str, from: &str, to: &str| Reference {
        file: file.to_owned(),
        from: from.split("::").map(str::to_owned).collect(),
        to: to.split("::").map(str::to_owned).collect(),
    };
    let (problems, _) = check(&[reference("search/mod.rs", "search", "html::Theme")]);
    assert!(
        problems.iter().any(|p| p.contains("not below it")),
        "{problems:?}"
    );
    let (problems, _) = check(&[
        reference("config.rs", "config", "vocab::slugify"),
        reference("vocab/slug.rs", "vocab::slug", "config::Config"),
    ]);
    assert!(
        problems.iter().any(|p| p.contains("import cycle")),
        "{problems:?}"
    );
    let (problems, _) = check(&[reference("html/mod.rs", "html", "graph::lock::check")]);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("a submodule of the `graph` stage")),
        "{problems:?}"
    );
}

/// The submodules of each stage, as an import graph (`search::compound` → `search::index` …).
fn submodule_edges(refs: &[Reference]) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in refs {
        let (Some(stage), Some(from), Some(to)) = (r.from.first(), r.from.get(1), r.to.get(1))
        else {
            continue;
        };
        if r.to.first() != Some(stage) || from == to || !submodules(stage).contains(to) {
            continue;
        }
        edges
            .entry(format!("{stage}::{from}"))
            .or_default()
            .insert(format!("{stage}::{to}"));
    }
    edges
}

/// Issue 16: `search::compound` and `search::index` imported each other (the posting type now
/// lives below both, in `search::posting`). No stage's submodules import each other in a cycle.
#[test]
fn regression_issue_16_search_compound_and_index_imported_each_other() {
    let edges = submodule_edges(&references());
    assert!(
        edges.contains_key("search::compound"),
        "the check sees no import of search::compound: {edges:?}"
    );
    assert_eq!(find_cycle(&edges), None, "import cycle between submodules");
    let reference = |from: &str, to: &str| Reference {
        file: String::new(),
        from: from.split("::").map(str::to_owned).collect(),
        to: to.split("::").map(str::to_owned).collect(),
    };
    let cyclic = submodule_edges(&[
        reference("search::compound", "search::index::Posting"),
        reference("search::index", "search::compound::part_postings"),
    ]);
    assert!(find_cycle(&cyclic).is_some(), "{cyclic:?}");
}
