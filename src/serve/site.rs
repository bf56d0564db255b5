//! The preview's state: the site's sources and compile cache, and the last good build as served.
//!
//! In: batches of changed paths. Out: a [`Snapshot`] after each rebuild — the files to serve (the
//! last good build's, kept while a rebuild fails) and the problems of the last attempt. Reads the
//! disk only through `source`, compiles only through `pipeline`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;

use crate::error::{Diagnostic, Error, Position};
use crate::pipeline::{self, BuildOptions, Compiled, Progress};
use crate::pipeline::{Cache, Work};
use crate::source::{self, SiteSources};

use super::live;

/// What the HTTP side serves; replaced whole after every rebuild.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// Identifies the served files: new on every good build, and different in every run of the
    /// server, so a page that outlived a restart reloads.
    pub(crate) build: String,
    /// Output path → bytes, of the last good build (empty before the first one), without the
    /// search index.
    pub(crate) files: Arc<HashMap<String, Bytes>>,
    /// The search index files (`search/…`): built after the pages, so possibly of an earlier
    /// build, but always one whole index (see [`Publisher`]).
    pub(crate) search: Arc<HashMap<String, Bytes>>,
    /// The overlay of the last build when it failed.
    pub(crate) overlay: Option<Arc<str>>,
    /// URL path of the page the last change touched, for `--follow`.
    pub(crate) changed: Option<String>,
}

impl Snapshot {
    /// Whether there has been a good build to serve.
    pub(crate) fn has_site(&self) -> bool {
        !self.files.is_empty()
    }

    /// The served file at an output path.
    pub(crate) fn get(&self, path: &str) -> Option<&Bytes> {
        self.files.get(path).or_else(|| self.search.get(path))
    }
}

/// A good compile whose search index is still to be built: [`SearchJob::run`] builds it,
/// away from the rebuild thread, so the next edit never waits for it.
pub(crate) struct SearchJob {
    compiled: Compiled,
    synonyms_text: Option<String>,
}

impl SearchJob {
    pub(crate) fn run(self) -> HashMap<String, Bytes> {
        self.compiled
            .build_search(self.synonyms_text.as_deref())
            .into_iter()
            .map(|f| (f.path, f.bytes))
            .collect()
    }
}

/// Hands snapshots to the HTTP side. The search index arrives separately, from the search
/// thread; the lock makes "the newest index goes with every snapshot" hold whichever thread
/// comes first.
pub(crate) struct Publisher {
    tx: tokio::sync::watch::Sender<Arc<Snapshot>>,
    search: std::sync::Mutex<Arc<HashMap<String, Bytes>>>,
}

impl Publisher {
    pub(crate) fn new(snapshot: &Snapshot, search: HashMap<String, Bytes>) -> Self {
        let search = Arc::new(search);
        let snapshot = with_search(snapshot, &search);
        Publisher {
            tx: tokio::sync::watch::Sender::new(snapshot),
            search: std::sync::Mutex::new(search),
        }
    }

    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<Arc<Snapshot>> {
        self.tx.subscribe()
    }

    /// Serves `snapshot` with the newest search index.
    pub(crate) fn publish(&self, snapshot: &Snapshot) {
        let search = self
            .search
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.tx.send_replace(with_search(snapshot, &search));
    }

    /// Serves `files` as the search index of the current snapshot (no reload: same build id).
    pub(crate) fn publish_search(&self, files: HashMap<String, Bytes>) {
        let mut search = self
            .search
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *search = Arc::new(files);
        self.tx
            .send_modify(|current| *current = with_search(current, &search));
    }
}

fn with_search(snapshot: &Snapshot, search: &Arc<HashMap<String, Bytes>>) -> Arc<Snapshot> {
    Arc::new(Snapshot {
        build: snapshot.build.clone(),
        files: Arc::clone(&snapshot.files),
        search: Arc::clone(search),
        overlay: snapshot.overlay.clone(),
        changed: snapshot.changed.clone(),
    })
}

/// What a rebuild did, for the terminal.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) duration: Duration,
    pub(crate) work: Work,
    pub(crate) pages: usize,
    /// All diagnostics of the build (warnings of a good build, or the errors of a failed one).
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) ok: bool,
}

/// The site being previewed.
pub(crate) struct Site {
    root: PathBuf,
    options: BuildOptions,
    /// `None` after a failure to read the site at all; the next change loads it whole.
    sources: Option<SiteSources>,
    cache: Cache,
    session: String,
    builds: u64,
    current: Arc<Snapshot>,
    /// The search index of the last good compile, still to be built.
    pending_search: Option<SearchJob>,
}

impl Site {
    /// Loads and compiles the site at `root` (drafts included). A site with errors still starts:
    /// its errors are the first overlay.
    pub(crate) fn load(root: &Path, progress: &dyn Progress) -> (Self, Report) {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut site = Site {
            root: root.to_owned(),
            options: BuildOptions {
                root: root.to_owned(),
                drafts: true,
                ..BuildOptions::default()
            },
            sources: None,
            cache: Cache::deferring_search(),
            session: format!("{:x}-{:x}", nanos, std::process::id()),
            builds: 0,
            current: Arc::new(Snapshot {
                build: String::new(),
                files: Arc::default(),
                search: Arc::default(),
                overlay: None,
                changed: None,
            }),
            pending_search: None,
        };
        let report = site
            .rebuild_with(None, progress)
            .expect("a full load always reports");
        (site, report)
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current)
    }

    /// Applies a batch of changed paths (`rescan`: read everything again). `None` when nothing
    /// the site is made from changed.
    pub(crate) fn rebuild(&mut self, changed: &[PathBuf], rescan: bool) -> Option<Report> {
        let changed = if rescan || self.sources.is_none() {
            None
        } else {
            Some(changed)
        };
        self.rebuild_with(changed, &pipeline::Silent)
    }

    /// Refreshes `changed` (or loads everything when `None`) and compiles.
    fn rebuild_with(
        &mut self,
        changed: Option<&[PathBuf]>,
        progress: &dyn Progress,
    ) -> Option<Report> {
        let started = Instant::now();
        let loaded = match (changed, self.sources.as_mut()) {
            (Some(paths), Some(sources)) => match source::refresh(&self.root, sources, paths) {
                Ok(r) if r.is_empty() => return None,
                Ok(r) => Ok(r.pages),
                Err(e) => Err(e),
            },
            _ => load_sources(&self.root).map(|s| {
                self.sources = Some(s);
                Vec::new()
            }),
        };
        let changed_pages = match loaded {
            Ok(pages) => pages,
            Err(e) => {
                self.sources = None;
                let diagnostics = vec![error_diagnostic(&e, &self.root)];
                self.publish_failure(&diagnostics);
                return Some(Report {
                    duration: started.elapsed(),
                    work: Work::default(),
                    pages: 0,
                    diagnostics,
                    ok: false,
                });
            }
        };
        let sources = self.sources.as_ref().expect("loaded above");
        let compiled =
            pipeline::compile_incremental(sources, &self.options, progress, &mut self.cache);
        let report = Report {
            duration: started.elapsed(),
            work: self.cache.work,
            pages: compiled.page_count(),
            diagnostics: compiled.diagnostics.clone(),
            ok: !compiled.has_errors(),
        };
        if report.ok {
            self.publish(compiled, &changed_pages);
        } else {
            self.publish_failure(&compiled.diagnostics);
        }
        Some(report)
    }

    /// The search index the last good compile left out, to be built (once).
    pub(crate) fn take_search_job(&mut self) -> Option<SearchJob> {
        self.pending_search.take()
    }

    fn publish(&mut self, mut compiled: Compiled, changed_pages: &[String]) {
        self.builds += 1;
        let changed = changed_pages
            .iter()
            .find_map(|f| compiled.graph.by_file.get(f))
            .map(|&ix| format!("/{}", compiled.graph.pages[ix].url));
        let files: HashMap<String, Bytes> = std::mem::take(&mut compiled.files)
            .into_iter()
            .map(|f| (f.path, f.bytes))
            .collect();
        if compiled.deferred_search.is_some() {
            self.pending_search = Some(SearchJob {
                compiled,
                synonyms_text: self.sources.as_ref().and_then(|s| s.synonyms_text.clone()),
            });
        }
        self.current = Arc::new(Snapshot {
            build: format!("{}-{}", self.session, self.builds),
            files: Arc::new(files),
            search: Arc::default(),
            overlay: None,
            changed,
        });
    }

    fn publish_failure(&mut self, diagnostics: &[Diagnostic]) {
        self.current = Arc::new(Snapshot {
            build: self.current.build.clone(),
            files: Arc::clone(&self.current.files),
            search: Arc::default(),
            overlay: Some(live::overlay(diagnostics).into()),
            changed: None,
        });
    }
}

fn load_sources(root: &Path) -> Result<SiteSources, Error> {
    source::load(root, &pipeline::theme_name(root)?)
}

/// A failure to read the site at all, shown like a diagnostic.
fn error_diagnostic(e: &Error, root: &Path) -> Diagnostic {
    let message = e.to_string().replace(&format!("{}/", root.display()), "");
    Diagnostic::error(".", Position::default(), "io", message)
        .with_hint("the preview keeps showing the last version that worked")
}
