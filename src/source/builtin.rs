//! The files compiled into the binary: the default theme (from the repository's
//! `themes/default/`) and the starter sites of `veiviser init` (from `init/<template>/`).
//!
//! In: nothing at run time — `include_dir!` reads the folders when the crate is compiled
//! (`build.rs` makes cargo recompile when a file is added or removed there). Out: paths and
//! bytes, `/`-separated and relative to the embedded folder. Nothing here touches the disk.

use include_dir::{Dir, DirEntry, include_dir};

/// Name of the built-in theme; a site's `themes/default/` overrides it file by file.
pub(super) const DEFAULT_THEME_NAME: &str = "default";

/// Prefix of diagnostics about a built-in template, in place of `themes/<name>`.
pub(super) const BUILTIN_LABEL: &str = "(built-in theme)";

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");
static INIT_TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/init");

/// Every file of the built-in theme as `(path, bytes)`, e.g. `("templates/page.html", …)`,
/// sorted by path.
pub fn theme_files() -> Vec<(&'static str, &'static [u8])> {
    files_of(&DEFAULT_THEME, "")
}

/// Names of the starter sites of `veiviser init`, sorted.
pub fn init_templates() -> Vec<&'static str> {
    let mut names: Vec<&str> = INIT_TEMPLATES
        .dirs()
        .filter_map(|d| d.path().to_str())
        .collect();
    names.sort_unstable();
    names
}

/// Every file of starter site `name` as `(path inside the site, bytes)`, sorted by path; `None`
/// when there is no such template.
pub fn init_files(name: &str) -> Option<Vec<(&'static str, &'static [u8])>> {
    let dir = INIT_TEMPLATES.get_dir(name)?;
    Some(files_of(dir, name))
}

/// The files under `dir`, with `prefix/` (the folder's own path) stripped from their paths.
fn files_of(dir: &'static Dir<'static>, prefix: &str) -> Vec<(&'static str, &'static [u8])> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in d.entries() {
            match entry {
                DirEntry::Dir(sub) => stack.push(sub),
                DirEntry::File(f) => {
                    let Some(path) = f.path().to_str() else {
                        continue;
                    };
                    let rel = if prefix.is_empty() {
                        path
                    } else {
                        path.strip_prefix(prefix)
                            .map_or(path, |p| p.trim_start_matches('/'))
                    };
                    out.push((rel, f.contents()));
                }
            }
        }
    }
    out.sort_unstable_by_key(|(p, _)| *p);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_theme_is_the_repository_default_theme_byte_for_byte() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let files = theme_files();
        assert!(files.iter().any(|(p, _)| *p == "templates/base.html"));
        for (path, bytes) in &files {
            assert_eq!(std::fs::read(root.join(path)).unwrap(), *bytes, "{path}");
        }
        let on_disk = walkdir::WalkDir::new(&root)
            .into_iter()
            .filter(|e| e.as_ref().unwrap().file_type().is_file())
            .count();
        assert_eq!(on_disk, files.len());
    }

    #[test]
    fn init_templates_are_listed_with_paths_inside_the_site() {
        assert_eq!(init_templates(), ["enkel", "kunnskapsbase"]);
        let files = init_files("enkel").unwrap();
        assert!(
            files.iter().any(|(p, _)| *p == "veiviser.yaml"),
            "{files:?}"
        );
        assert!(init_files("finnes-ikke").is_none());
    }
}
