//! Stage ①: the site folder on disk → [`SiteSources`] (texts and bytes, nothing parsed).
//!
//! Reads `veiviser.yaml`, `synonyms.yaml`, every file under `content/` and the theme (the
//! built-in one from `builtin`, with the site's own `themes/<name>/` files in place of the
//! built-in files of the same path). This is the only stage besides `output` that touches the
//! disk. Files under `content/` that are not Markdown are assets; the source texts that citations
//! quote (`.txt`) are among them, and the pipeline decides later which of them are withheld from
//! the output. It refuses what must never reach the pipeline — invalid UTF-8, oversized files,
//! symlink loops, symlinks leading out of the site — as diagnostics naming the file, and
//! normalises what is harmless (a UTF-8 BOM, CRLF line endings, `NUL` characters, which
//! `CommonMark` replaces anyway and which later stages use as placeholder delimiters).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

mod builtin;
mod refresh;

pub use builtin::{init_files, init_templates, theme_files};
pub use refresh::{Refreshed, refresh};

use crate::config::CONFIG_FILE;
use crate::error::{Diagnostic, Error, Position, Result};

/// Largest Markdown file accepted; a knowledge-base page is a few kB, so anything this big is a
/// mistake (a pasted export, a binary) that would only slow every later stage down.
pub const MAX_PAGE_BYTES: u64 = 8 * 1024 * 1024;

/// File name of the search synonyms, relative to the site root.
pub const SYNONYMS_FILE: &str = "synonyms.yaml";

/// File name of the URL lock (every URL and anchor ever published), relative to the site root.
pub const LOCK_FILE: &str = "urls.lock";

/// A Markdown file under `content/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the site root, `/`-separated: `content/takster/l8.md`.
    pub rel_path: String,
    /// The text, with BOM removed and line endings normalised to `\n`.
    pub text: String,
}

impl SourceFile {
    /// A source file from a string, for tests and in-memory use.
    pub fn inline(rel_path: &str, text: &str) -> Self {
        Self {
            rel_path: rel_path.to_owned(),
            text: normalise(text.to_owned()),
        }
    }
}

/// A file copied through unchanged (theme static files, images beside content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Path relative to the folder it was found in (`static/` or `content/`).
    pub rel_path: String,
    pub bytes: Vec<u8>,
}

/// The theme's templates and static files: the built-in theme with the site's own files of the
/// same name put in its place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeSources {
    /// `(template name, text)`, e.g. `("page.html", "...")`, sorted by name.
    pub templates: Vec<(String, String)>,
    /// Files under `static/`, sorted by path.
    pub static_files: Vec<Asset>,
    /// Names of the templates read from the site's `themes/<name>/templates/` (the others are
    /// built in), sorted; diagnostics point into the right file with it.
    pub site_templates: Vec<String>,
}

impl ThemeSources {
    /// Where template `name` came from, as diagnostics name it:
    /// `themes/<theme>/templates/page.html` or `(built-in theme) templates/page.html`.
    pub fn template_file(&self, theme: &str, name: &str) -> String {
        if self
            .site_templates
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
        {
            format!("themes/{theme}/templates/{name}")
        } else {
            format!("{} templates/{name}", builtin::BUILTIN_LABEL)
        }
    }
}

/// Everything the pipeline reads from disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteSources {
    pub config_text: String,
    pub synonyms_text: Option<String>,
    /// `urls.lock`, when the site has one.
    pub lock_text: Option<String>,
    /// Markdown files, sorted by path.
    pub content: Vec<SourceFile>,
    /// Non-Markdown files under `content/`, copied to the same place in the output.
    pub content_assets: Vec<Asset>,
    pub theme: ThemeSources,
    /// Files that could not be taken in (invalid UTF-8, too large, symlink problems).
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the site at `root`. `theme` is the theme folder name under `themes/`.
pub fn load(root: &Path, theme: &str) -> Result<SiteSources> {
    let config_path = root.join(CONFIG_FILE);
    let config_text = std::fs::read(&config_path).map_err(|e| Error::read(&config_path, e))?;
    let mut diagnostics = Vec::new();
    let config_text = decode(CONFIG_FILE, config_text, &mut diagnostics).unwrap_or_default();
    let synonyms_path = root.join(SYNONYMS_FILE);
    let synonyms_text = match std::fs::read(&synonyms_path) {
        Ok(bytes) => decode(SYNONYMS_FILE, bytes, &mut diagnostics),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::read(&synonyms_path, e)),
    };

    let lock_path = root.join(LOCK_FILE);
    let lock_text = match std::fs::read(&lock_path) {
        Ok(bytes) => decode(LOCK_FILE, bytes, &mut diagnostics),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::read(&lock_path, e)),
    };

    let content_dir = content_dir(root)?;
    let files = walk(root, &content_dir, &mut diagnostics);
    let read = read_all(root, &files);
    let mut content = Vec::new();
    let mut content_assets = Vec::new();
    for item in read {
        match item {
            Read::Markdown(f) => content.push(f),
            Read::Asset(a) => content_assets.push(a),
            Read::Problem(d) => diagnostics.push(d),
        }
    }

    // By path as a string (the walk's folder-first order differs where `-` sorts before `/`):
    // the pipeline looks files up by binary search, and `refresh` inserts by the same order.
    content.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    content_assets.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    let theme = load_theme(root, theme, &mut diagnostics)?;
    Ok(SiteSources {
        config_text,
        synonyms_text,
        lock_text,
        content,
        content_assets,
        theme,
        diagnostics,
    })
}

/// The site's `content/` folder, or the one error that names its absence (rather than an error
/// for every page and published URL that went with it).
fn content_dir(root: &Path) -> Result<std::path::PathBuf> {
    let dir = root.join("content");
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Error::Usage(format!(
            "{} has no content/ folder; is --root pointing at a veiviser site?",
            root.display()
        )))
    }
}

/// Reads only `veiviser.yaml`, to learn the theme name before the full load.
pub fn read_config(root: &Path) -> Result<String> {
    let path = root.join(CONFIG_FILE);
    let bytes = std::fs::read(&path).map_err(|e| Error::read(&path, e))?;
    Ok(normalise(String::from_utf8_lossy(&bytes).into_owned()))
}

enum Read {
    Markdown(SourceFile),
    Asset(Asset),
    Problem(Diagnostic),
}

/// Threads that read files when there are many: reading is waiting on the disk, not work for
/// a core, and a cold read of 100,000 pages with one request per core in flight spent 11–13 s
/// waiting (`--timings`, page cache dropped); with this many requests in flight, 3.6–4.0 s.
const READ_THREADS: usize = 16;

/// Below this many files the pool's threads cost more than the overlap gains.
const MANY_FILES: usize = 512;

/// Reads `files` in parallel, in their order.
fn read_all(root: &Path, files: &[PathBuf]) -> Vec<Read> {
    let read = || files.par_iter().map(|f| read_file(root, f)).collect();
    if files.len() < MANY_FILES {
        return read();
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(READ_THREADS)
        .thread_name(|i| format!("veiviser-read-{i}"))
        .build()
    {
        Ok(pool) => pool.install(read),
        // No threads to be had: read with the ones there are.
        Err(_) => read(),
    }
}

fn read_file(root: &Path, path: &Path) -> Read {
    let rel = rel_path(root, path);
    let too_big = |len: u64| {
        Read::Problem(
            Diagnostic::error(
                &rel,
                Position::default(),
                "file-too-large",
                format!("file is {len} bytes; the limit is {MAX_PAGE_BYTES}"),
            )
            .with_hint("split the page, or move large data out of content/"),
        )
    };
    let is_markdown = path.extension().is_some_and(|e| e == "md");
    if is_markdown {
        match std::fs::metadata(path) {
            Ok(m) if m.len() > MAX_PAGE_BYTES => return too_big(m.len()),
            Ok(_) => {}
            Err(e) => return Read::Problem(io_problem(&rel, &e)),
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Read::Problem(io_problem(&rel, &e)),
    };
    if !is_markdown {
        let content_rel = rel.strip_prefix("content/").unwrap_or(&rel).to_owned();
        return Read::Asset(Asset {
            rel_path: content_rel,
            bytes,
        });
    }
    let mut diags = Vec::new();
    match decode(&rel, bytes, &mut diags) {
        Some(text) => Read::Markdown(SourceFile {
            rel_path: rel,
            text,
        }),
        None => Read::Problem(diags.remove(0)),
    }
}

fn io_problem(rel: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(rel, Position::default(), "io", format!("cannot read: {e}"))
}

/// Decodes UTF-8 (reporting the first invalid byte's position) and normalises the text.
fn decode(rel: &str, bytes: Vec<u8>, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match String::from_utf8(bytes) {
        Ok(text) => Some(normalise(text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let pos = crate::error::position_at(&prefix, prefix.len());
            diags.push(
                Diagnostic::error(
                    rel,
                    pos,
                    "invalid-utf8",
                    format!(
                        "invalid UTF-8 (byte 0x{:02x} at offset {valid})",
                        bytes[valid]
                    ),
                )
                .with_hint("save the file as UTF-8"),
            );
            None
        }
    }
}

/// The text of the Markdown file `rel_path` under `root` read again, the way [`load`] took it in
/// (for the lines shown with diagnostics, after a build released the texts it had read).
pub fn read_again(root: &Path, rel_path: &str) -> Option<String> {
    std::fs::read_to_string(root.join(rel_path))
        .ok()
        .map(normalise)
}

/// A text as the pipeline takes it in: BOM removed, line endings `\n`, `NUL` replaced (also for
/// source texts, which arrive as asset bytes and are decoded where a citation quotes them).
pub fn normalise(mut text: String) -> String {
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        text = rest.to_owned();
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    if text.contains('\0') {
        text = text.replace('\0', "\u{fffd}");
    }
    text
}

/// Lists files under `dir`, sorted, skipping hidden and editor temporary files. Symlinks are
/// followed so that loops are detected, and any entry resolving outside the site is refused.
fn walk(root: &Path, dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    let mut files = Vec::new();
    let mut walker = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name()));
    while let Some(entry) = walker.next() {
        match entry {
            Ok(e) if e.file_type().is_file() && e.path().to_str().is_none() => {
                diags.push(non_utf8_name(root, e.path()));
            }
            Ok(e) if e.file_type().is_file() => {
                if e.path_is_symlink() || has_symlinked_parent(dir, e.path()) {
                    let target = e.path().canonicalize().unwrap_or_default();
                    if !target.starts_with(&canonical_root) {
                        diags.push(
                            Diagnostic::error(
                                rel_path(root, e.path()),
                                Position::default(),
                                "symlink-outside",
                                format!("symlink leads outside the site, to {}", target.display()),
                            )
                            .with_hint("copy the file into the site instead of linking to it"),
                        );
                        continue;
                    }
                }
                files.push(e.into_path());
            }
            Ok(e) if e.file_type().is_dir() && e.path_is_symlink() => {
                let target = e.path().canonicalize().unwrap_or_default();
                if !target.starts_with(&canonical_root) {
                    diags.push(
                        Diagnostic::error(
                            rel_path(root, e.path()),
                            Position::default(),
                            "symlink-outside",
                            format!(
                                "symlinked folder leads outside the site, to {}",
                                target.display()
                            ),
                        )
                        .with_hint("copy the folder into the site instead of linking to it"),
                    );
                    // One error for the link, not one for every file beyond it (a link to /etc
                    // gave over a thousand).
                    walker.skip_current_dir();
                }
            }
            Ok(e) if !e.file_type().is_dir() => diags.push(not_a_file(root, e.path())),
            Ok(_) => {}
            Err(err) => {
                let path = err.path().map_or_else(|| dir.to_owned(), Path::to_owned);
                let (code, message) = if err.loop_ancestor().is_some() {
                    (
                        "symlink-loop",
                        "symlink loop: this folder links back to one of its parents".to_owned(),
                    )
                } else {
                    ("io", format!("cannot read: {err}"))
                };
                diags.push(Diagnostic::error(
                    rel_path(root, &path),
                    Position::default(),
                    code,
                    message,
                ));
            }
        }
    }
    files
}

/// A path that is not valid UTF-8 cannot become a URL or a `file:line` that editors and CI
/// logs show faithfully (the lossy name would silently differ from the file), so it is refused.
fn non_utf8_name(root: &Path, path: &Path) -> Diagnostic {
    Diagnostic::error(
        rel_path(root, path),
        Position::default(),
        "bad-file-name",
        "the file name is not valid UTF-8 (shown here with \u{fffd} for the bad bytes)",
    )
    .with_hint("rename the file; names saved by old tools in Latin-1 often cause this")
}

/// A named pipe, socket or device among the site's files: skipped, never read (reading a pipe
/// would wait forever for a writer), and said, so a page that is missing from the site has a
/// reason on screen.
fn not_a_file(root: &Path, path: &Path) -> Diagnostic {
    Diagnostic::warning(
        rel_path(root, path),
        Position::default(),
        "not-a-file",
        "not a regular file (a named pipe, socket or device): skipped",
    )
    .with_hint("veiviser reads only regular files and folders; replace it with a file or remove it")
}

fn has_symlinked_parent(base: &Path, path: &Path) -> bool {
    path.strip_prefix(base).is_ok_and(|rel| {
        let mut p = base.to_owned();
        rel.parent().is_some_and(|parent| {
            parent.components().any(|c| {
                p.push(c);
                p.is_symlink()
            })
        })
    })
}

fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.ends_with('~')
        || name.starts_with('#')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The theme called `name`: the built-in default theme, with every file of the site's
/// `themes/<name>/templates/` and `themes/<name>/static/` replacing (or adding to) the built-in
/// file at the same path. A site without `themes/` gets the built-in theme; a theme other than
/// `default` must exist, so a misspelt `theme:` is an error, not a silent fallback.
fn load_theme(root: &Path, name: &str, diags: &mut Vec<Diagnostic>) -> Result<ThemeSources> {
    let theme_dir = root.join("themes").join(name);
    if !theme_dir.is_dir() && name != builtin::DEFAULT_THEME_NAME {
        return Err(Error::Usage(format!(
            "veiviser.yaml names theme `{name}`, but there is no folder {}; remove `theme:` to \
             use the built-in theme, or run `veiviser theme eject` to start a theme from it",
            theme_dir.display()
        )));
    }
    let mut templates = std::collections::BTreeMap::new();
    let mut statics = std::collections::BTreeMap::new();
    for (path, bytes) in builtin::theme_files() {
        if let Some(t) = path.strip_prefix("templates/") {
            let text = String::from_utf8_lossy(bytes).into_owned();
            templates.insert(t.to_owned(), normalise(text));
        } else if let Some(s) = path.strip_prefix("static/") {
            statics.insert(s.to_owned(), bytes.to_vec());
        }
    }
    let mut site_templates = Vec::new();
    let templates_dir = theme_dir.join("templates");
    if templates_dir.is_dir() {
        for path in walk(root, &templates_dir, diags) {
            let name = rel_path(&templates_dir, &path);
            let bytes = std::fs::read(&path).map_err(|e| Error::read(&path, e))?;
            if let Some(text) = decode(&rel_path(root, &path), bytes, diags) {
                templates.insert(name.clone(), text);
                site_templates.push(name);
            }
        }
    }
    let static_dir = theme_dir.join("static");
    if static_dir.is_dir() {
        for path in walk(root, &static_dir, diags) {
            let bytes = std::fs::read(&path).map_err(|e| Error::read(&path, e))?;
            statics.insert(rel_path(&static_dir, &path), bytes);
        }
    }
    site_templates.sort();
    Ok(ThemeSources {
        templates: templates.into_iter().collect(),
        static_files: statics
            .into_iter()
            .map(|(rel_path, bytes)| Asset { rel_path, bytes })
            .collect(),
        site_templates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_files_are_read_by_the_reader_pool_each_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(CONFIG_FILE), "title: T\n").unwrap();
        let n = MANY_FILES + 88;
        for i in 0..n {
            let sub = root.join("content").join(format!("k{}", i % 7));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join(format!("p{i:04}.md")), format!("# {i}\n")).unwrap();
        }
        std::fs::write(root.join("content/k0/bad.md"), b"\xff\xfe").unwrap();
        let sources = load(root, "default").unwrap();
        assert_eq!(sources.content.len(), n);
        let paths: Vec<&str> = sources
            .content
            .iter()
            .map(|f| f.rel_path.as_str())
            .collect();
        assert!(paths.is_sorted(), "sorted by path");
        let f = &sources.content[0];
        let i: usize = f.rel_path[f.rel_path.len() - 7..f.rel_path.len() - 3]
            .parse()
            .unwrap();
        assert_eq!(f.text, format!("# {i}\n"), "each file's own text");
        assert_eq!(
            sources
                .diagnostics
                .iter()
                .filter(|d| d.file == "content/k0/bad.md")
                .count(),
            1
        );
    }

    #[test]
    fn normalise_strips_bom_crlf_and_nul() {
        assert_eq!(normalise("\u{feff}a\r\nb\rc\0".into()), "a\nb\nc\u{fffd}");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_file_names_are_refused_not_renamed() {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir(&content).unwrap();
        std::fs::write(
            content.join(std::ffi::OsStr::from_bytes(b"caf\xe9.md")),
            "x",
        )
        .unwrap();
        std::fs::write(content.join("ok.md"), "x").unwrap();
        let mut diags = Vec::new();
        let files = walk(dir.path(), &content, &mut diags);
        assert_eq!(files, [content.join("ok.md")]);
        assert_eq!(diags.len(), 1);
        assert_eq!(
            (diags[0].code, diags[0].file.as_str()),
            ("bad-file-name", "content/caf\u{fffd}.md")
        );
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_position() {
        let mut diags = Vec::new();
        let bytes = b"---\ntitle: a\xff\n".to_vec();
        assert!(decode("content/a.md", bytes, &mut diags).is_none());
        assert_eq!((diags[0].line, diags[0].column), (2, 9));
        assert_eq!(diags[0].code, "invalid-utf8");
    }
}
