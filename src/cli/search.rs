//! `veiviser search`: ranks with the index files the last build wrote to the output folder when
//! they are newer than every input, else with the same files built in memory by the stages the
//! index needs (never html or output); stderr says which. A build's files are read lazily, as the
//! browser fetches them: the manifest, then only the term shards and fragments the query needs. Text for people on stdout (matches in bold on a terminal), or with `--json` one array
//! `[{"id","title","url","kind","score","excerpt","section"}]`, best first.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, printable};
use crate::pipeline::{self, BuildOptions};

use crate::search::{self, IndexFiles};

/// Reasons printed per hit by `--explain` in text mode.
const EXPLAIN_LINES: usize = 10;

/// Arguments of `veiviser search`.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    pub root: PathBuf,
    /// The output folder of the build whose index to read; default `<root>/public`.
    pub out: Option<PathBuf>,
    pub query: String,
    pub kind: Option<String>,
    /// `NAME=VALUE` filters.
    pub filters: Vec<String>,
    pub limit: usize,
    pub json: bool,
    /// Per hit, which words matched where, through which variant, with which score.
    pub explain: bool,
}

/// The search files of the site at `root`, built in memory by the stages the index needs
/// (source → page → graph → search). A site with errors in those stages is reported like `check`
/// does, and nothing is searched.
pub fn index_files(root: PathBuf) -> Result<(Files, String), Error> {
    let options = BuildOptions {
        root,
        ..BuildOptions::default()
    };
    let compiled = pipeline::build_search_index(&options)?;
    if compiled.has_errors() {
        return Err(Error::Site(compiled.diagnostics));
    }
    let files = compiled
        .files
        .into_iter()
        .map(|f| (f.path, f.bytes.to_vec()))
        .collect();
    Ok((files, base_url(&options.root)?))
}

/// `base_url` of `veiviser.yaml` (empty when the file does not parse: the build reports that).
fn base_url(root: &Path) -> Result<String, Error> {
    let config_text = crate::source::read_config(root)?;
    Ok(crate::config::Config::parse(&config_text)
        .map(|c| c.base_url().to_owned())
        .unwrap_or_default())
}

/// Search files by path (`search/manifest.js` …), as [`search::run`] reads them.
pub type Files = HashMap<String, Vec<u8>>;

/// The search files under a build's output folder, each read from the disk when the query first
/// asks for it (the reader caches what it decodes, so no file is read twice).
#[derive(Debug)]
pub struct BuiltFiles {
    out: PathBuf,
    /// Site-relative paths read so far, in order.
    read: RefCell<Vec<String>>,
}

impl BuiltFiles {
    /// The files of the build in `out`.
    pub fn new(out: &Path) -> Self {
        Self {
            out: out.to_owned(),
            read: RefCell::default(),
        }
    }

    /// The files read so far (site-relative), in order.
    pub fn files_read(&self) -> Vec<String> {
        self.read.borrow().clone()
    }
}

impl IndexFiles for BuiltFiles {
    fn file(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        // Paths come from the manifest: only plain relative ones inside the index folder are read.
        let inside = path.starts_with(search::DIR)
            && Path::new(path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside {
            return None;
        }
        self.read.borrow_mut().push(path.to_owned());
        std::fs::read(self.out.join(path)).ok().map(Cow::Owned)
    }
}

/// The index a search runs on: a build's files on disk, or files built in memory.
#[derive(Debug)]
pub enum Index {
    Built(BuiltFiles),
    Memory(Files),
}

impl IndexFiles for Index {
    fn file(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        match self {
            Self::Built(files) => files.file(path),
            Self::Memory(files) => files.file(path),
        }
    }
}

/// Where the index that was searched came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The search files of the build in `dir`, written at `at`.
    Built { dir: PathBuf, at: SystemTime },
    /// Built in memory, because the output folder had no index or an older one (`why`).
    Memory { why: String },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Built { dir, at } => write!(
                f,
                "search: using the index of the build in {} ({})",
                dir.display(),
                httpdate::fmt_http_date(*at)
            ),
            Self::Memory { why } => write!(
                f,
                "search: {why}; building the index in memory (run `veiviser build` to reuse one)"
            ),
        }
    }
}

/// The index to search: the one the last build wrote to `out` when it is newer than every
/// input of the site at `root` (read lazily), else one built in memory. Returns the files,
/// `base_url` and where they came from.
pub fn load_index(root: &Path, out: &Path) -> Result<(Index, String, Origin), Error> {
    match built_index(root, out) {
        Ok(at) => {
            let origin = Origin::Built {
                dir: out.to_owned(),
                at,
            };
            Ok((Index::Built(BuiltFiles::new(out)), base_url(root)?, origin))
        }
        Err(why) => {
            let (files, base) = index_files(root.to_owned())?;
            Ok((Index::Memory(files), base, Origin::Memory { why }))
        }
    }
}

/// The time the search files under `out` were written, or why they cannot be used (missing, or
/// some input changed at or after that time). The files themselves are read later, as needed.
fn built_index(root: &Path, out: &Path) -> Result<SystemTime, String> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified());
    let manifest = modified(&out.join(search::MANIFEST))
        .map_err(|_| format!("no search index in {}", out.display()))?;
    // A build links the files it would write unchanged from the previous output, keeping their
    // old times, but creates the index folder anew: its time is the build's.
    let at = modified(&out.join(search::DIR)).map_or(manifest, |dir| dir.max(manifest));
    if let Some(changed) = changed_since(root, out, at) {
        return Err(format!(
            "{} changed after the build in {}",
            changed.display(),
            out.display()
        ));
    }
    Ok(at)
}

/// The first input of the site (`veiviser.yaml`, `synonyms.yaml`, anything under `content/` or
/// `themes/`, folders included so a deleted page counts, and the `veiviser` program itself) last
/// modified at or after `at`. Files inside `out` never count.
fn changed_since(root: &Path, out: &Path, at: SystemTime) -> Option<PathBuf> {
    let newer = |p: &Path| {
        std::fs::symlink_metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= at)
    };
    let files = [
        root.join(crate::config::CONFIG_FILE),
        root.join(crate::source::SYNONYMS_FILE),
    ];
    if let Some(f) = files.into_iter().find(|f| newer(f)) {
        return Some(f);
    }
    // A changed file is named rather than its folder; a folder alone changed when a file left.
    let mut changed_folder = None;
    for dir in [root.join("content"), root.join("themes")] {
        let entries = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_entry(|e| !e.path().starts_with(out))
            .filter_map(Result::ok);
        for e in entries.filter(|e| newer(e.path())) {
            if !e.file_type().is_dir() {
                return Some(e.into_path());
            }
            changed_folder.get_or_insert_with(|| e.into_path());
        }
    }
    if changed_folder.is_some() {
        return changed_folder;
    }
    // A newer program may write another index format.
    std::env::current_exe().ok().filter(|exe| newer(exe))
}

/// The error for an index file that could not be read: a build's files are read only when the
/// query needs them, so one may have gone or been damaged since the build.
fn unreadable(files: &Index, out: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Usage(match files {
        Index::Built(_) => format!(
            "{e} in {}; run `veiviser build` to write the index again",
            out.display()
        ),
        Index::Memory(_) => e.to_string(),
    })
}

/// ` › Section` after a page title, or nothing when the hit is the page itself.
fn section_suffix(section: &str) -> String {
    if section.is_empty() {
        String::new()
    } else {
        format!(" › {}", printable(section))
    }
}

/// Runs the command.
pub fn run(args: &SearchArgs) -> Result<(), Error> {
    let out = args.out.clone().unwrap_or_else(|| args.root.join("public"));
    let (files, base_url) = match load_index(&args.root, &out) {
        Ok((files, base_url, origin)) => {
            eprintln!("{origin}");
            (files, base_url)
        }
        Err(Error::Site(diags)) => {
            eprint!(
                "{}",
                crate::error::render_all(&diags, std::io::stderr().is_terminal())
            );
            return Err(Error::Site(diags));
        }
        Err(e) => return Err(e),
    };
    let unreadable = |e: &dyn std::fmt::Display| unreadable(&files, &out, e);
    // The manifest is read and parsed once; shards and fragments are read as the query needs them.
    let reader = search::reader::Reader::open(&files).map_err(|e| unreadable(&e))?;
    let options = search::options(&reader, args.limit, args.kind.as_deref(), &args.filters)
        .map_err(Error::Usage)?;
    let (mut items, outcome) =
        search::run(&reader, &base_url, &args.query, &options).map_err(|e| unreadable(&e))?;
    if args.explain {
        search::explain(&reader, &args.query, &mut items, &outcome).map_err(|e| unreadable(&e))?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&items).unwrap_or_default()
        );
        return Ok(());
    }
    let bold = std::io::stdout().is_terminal();
    if items.is_empty() {
        println!("Ingen treff for «{}».", printable(&args.query));
    }
    for (n, item) in items.iter().enumerate() {
        // Titles and text come from content: no control character reaches the terminal.
        let section = section_suffix(&item.section);
        println!(
            "{}. {}{section}  [{}] {:.2}",
            n + 1,
            printable(&item.title),
            printable(&item.kind),
            item.score
        );
        println!("   {}", printable(&item.url));
        let excerpt: String = item
            .segments
            .iter()
            .map(|s| {
                let text = printable(&s.text);
                if s.hit && bold {
                    format!("\x1b[1m{text}\x1b[0m")
                } else {
                    text.into_owned()
                }
            })
            .collect();
        if !excerpt.is_empty() {
            println!("   {excerpt}");
        }
        // The strongest reasons; `--json` has them all.
        for m in item.explain.iter().take(EXPLAIN_LINES) {
            let section = section_suffix(&m.section);
            println!(
                "     {:>8.3}  `{}` ← `{}` = `{}` ({}) in {}{section}",
                m.score,
                printable(&m.unit),
                printable(&m.word),
                printable(&m.key),
                m.variant,
                if m.fields.is_empty() {
                    "the section".to_owned()
                } else {
                    m.fields.join(", ")
                }
            );
        }
        for f in &item.factors {
            println!("     × {:.2}  {}", f.factor, f.name);
        }
    }
    if !outcome.missing.is_empty() {
        println!("Fant ikke: {}", printable(&outcome.missing.join(", ")));
    }
    if outcome.total > items.len() {
        println!("({} av {} treff)", items.len(), outcome.total);
    }
    Ok(())
}
