//! Patching [`SiteSources`] after files changed on disk, for `serve`: only the paths named are
//! read again, with the same rules as [`load`](super::load), so a refreshed `SiteSources` equals a
//! freshly loaded one.
//!
//! A path may name a file that was written, created, removed or renamed, or a folder (created,
//! removed, renamed): whatever the path is *now* on disk decides what happens, so the kind of
//! event that reported it does not matter. That is what makes editors that save by writing a
//! temporary file and renaming it over the original work.

use std::path::Path;

use crate::config::{CONFIG_FILE, Config};
use crate::error::{Diagnostic, Error, Result};
use crate::source::{
    Asset, LOCK_FILE, Read, SYNONYMS_FILE, SiteSources, content_dir, decode, has_symlinked_parent,
    is_ignored, load_theme, not_a_file, read_file, rel_path, walk,
};

/// What [`refresh`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Markdown files whose text changed, appeared or disappeared (`content/takster/l8.md`).
    pub pages: Vec<String>,
    /// Whether anything else changed (configuration, synonyms, theme, assets beside content).
    pub other: bool,
}

impl Refreshed {
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty() && !self.other
    }
}

/// Re-reads `changed` (absolute paths under `root`) into `sources`. Paths outside the site's
/// inputs (`public/`, editor backups, hidden files) are ignored. An error means the site can no
/// longer be read at all (e.g. `veiviser.yaml` or the theme's templates are gone); `sources` is
/// then incomplete and the site should be loaded whole once the problem is fixed.
pub fn refresh(
    root: &Path,
    sources: &mut SiteSources,
    changed: &[impl AsRef<Path>],
) -> Result<Refreshed> {
    let mut out = Refreshed::default();
    let mut theme_dirty = false;
    // Every path is looked at even after a failure, so nothing is left half-read; the caller
    // should load the whole site again once the error is gone.
    let mut failed: Option<Error> = None;
    for path in changed {
        let path = path.as_ref();
        let Ok(rel_os) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel_path(root, path);
        if rel_os.components().any(|c| is_ignored(c.as_os_str())) {
            continue;
        }
        if rel == CONFIG_FILE {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    failed.get_or_insert(Error::read(path, e));
                    continue;
                }
            };
            sources.diagnostics.retain(|d| d.file != CONFIG_FILE);
            let text = decode(CONFIG_FILE, bytes, &mut sources.diagnostics).unwrap_or_default();
            out.other |= text != sources.config_text;
            sources.config_text = text;
            // The theme is named in the configuration.
            theme_dirty = true;
        } else if rel == SYNONYMS_FILE || rel == LOCK_FILE {
            // Optional files: absent is `None`. `urls.lock` too, so an editor who retires a URL
            // by deleting its line sees the preview's "was published" error go at once.
            let (name, slot) = if rel == SYNONYMS_FILE {
                (SYNONYMS_FILE, &mut sources.synonyms_text)
            } else {
                (LOCK_FILE, &mut sources.lock_text)
            };
            sources.diagnostics.retain(|d| d.file != name);
            let text = match std::fs::read(path) {
                Ok(bytes) => decode(name, bytes, &mut sources.diagnostics),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    failed.get_or_insert(Error::read(path, e));
                    continue;
                }
            };
            out.other |= text != *slot;
            *slot = text;
        } else if rel == "content" || rel.starts_with("content/") {
            refresh_content(root, sources, path, &rel, &mut out);
        } else if rel.starts_with("themes/") {
            theme_dirty = true;
        }
    }
    if theme_dirty {
        let name =
            Config::parse(&sources.config_text).map_or_else(|_| "default".to_owned(), |c| c.theme);
        sources
            .diagnostics
            .retain(|d| !d.file.starts_with("themes/"));
        match load_theme(root, &name, &mut sources.diagnostics) {
            Ok(theme) => {
                let same = theme.templates == sources.theme.templates
                    && theme.static_files == sources.theme.static_files;
                out.other |= !same;
                sources.theme = theme;
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    // The whole folder gone (moved away, a branch switch half done) is one problem, not one
    // per page and published URL: the same error a load gives.
    if let Err(e) = content_dir(root) {
        failed.get_or_insert(e);
    }
    out.pages.sort();
    out.pages.dedup();
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Brings the entries at or under `rel` up to date with the disk.
fn refresh_content(
    root: &Path,
    sources: &mut SiteSources,
    path: &Path,
    rel: &str,
    out: &mut Refreshed,
) {
    let content_dir = root.join("content");
    // Forget what was known at or under `rel` …
    let under = |p: &str| p == rel || p.strip_prefix(rel).is_some_and(|r| r.starts_with('/'));
    let asset_rel = rel.strip_prefix("content/").unwrap_or("");
    let asset_under = |p: &str| {
        asset_rel.is_empty()
            || p == asset_rel
            || p.strip_prefix(asset_rel)
                .is_some_and(|r| r.starts_with('/'))
    };
    let removed_pages: Vec<(String, String)> = sources
        .content
        .iter()
        .filter(|f| under(&f.rel_path))
        .map(|f| (f.rel_path.clone(), f.text.clone()))
        .collect();
    let removed_assets: Vec<Asset> = sources
        .content_assets
        .iter()
        .filter(|a| asset_under(&a.rel_path))
        .cloned()
        .collect();
    let problems_before: Vec<Diagnostic> = sources
        .diagnostics
        .iter()
        .filter(|d| under(&d.file))
        .cloned()
        .collect();
    sources.content.retain(|f| !under(&f.rel_path));
    sources.content_assets.retain(|a| !asset_under(&a.rel_path));
    sources.diagnostics.retain(|d| !under(&d.file));

    // … then read what is there now, with the rules of `load`.
    let diagnostics_before = sources.diagnostics.len();
    let files = if path.is_dir() {
        walk(root, path, &mut sources.diagnostics)
    } else if path.is_file() && admitted(root, &content_dir, path, sources) {
        vec![path.to_owned()]
    } else {
        if path.exists() && !path.is_file() {
            sources.diagnostics.push(not_a_file(root, path));
        }
        Vec::new()
    };
    let mut added: Vec<(String, String)> = Vec::new();
    let mut added_assets: Vec<Asset> = Vec::new();
    for file in files {
        match read_file(root, &file) {
            Read::Markdown(f) => {
                added.push((f.rel_path.clone(), f.text.clone()));
                let at = sources
                    .content
                    .binary_search_by(|s| s.rel_path.cmp(&f.rel_path))
                    .unwrap_or_else(|i| i);
                sources.content.insert(at, f);
            }
            Read::Asset(a) => {
                added_assets.push(a.clone());
                let at = sources
                    .content_assets
                    .binary_search_by(|s| s.rel_path.cmp(&a.rel_path))
                    .unwrap_or_else(|i| i);
                sources.content_assets.insert(at, a);
            }
            Read::Problem(d) => sources.diagnostics.push(d),
        }
    }
    added_assets.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    out.other |= removed_assets != added_assets
        || problems_before[..] != sources.diagnostics[diagnostics_before..];
    // A page counts as changed when its text differs or it appeared or disappeared.
    for (file, text) in &removed_pages {
        if !added.iter().any(|(f, t)| f == file && t == text) {
            out.pages.push(file.clone());
        }
    }
    for (file, text) in added {
        if !removed_pages.iter().any(|(f, t)| *f == file && *t == text) {
            out.pages.push(file);
        }
    }
}

/// The symlink rule of `walk` for a single file: a link (or a file in a linked folder) is taken
/// only when it resolves inside the site.
fn admitted(root: &Path, content_dir: &Path, path: &Path, sources: &mut SiteSources) -> bool {
    if !path.is_symlink() && !has_symlinked_parent(content_dir, path) {
        return true;
    }
    // `walk` reports the refusal; run it on the file itself to get the same diagnostic.
    let mut diags = Vec::new();
    let found = walk(root, path, &mut diags);
    sources.diagnostics.extend(diags);
    !found.is_empty()
}
