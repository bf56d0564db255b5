//! File watching: notify events → batches of changed paths, once the files have gone quiet.
//!
//! Watched: `content/` and `themes/` (recursively) and the site folder itself (not recursively,
//! for `veiviser.yaml` and `synonyms.yaml`). The site folder is not watched recursively because it
//! may hold `target/`, `.git/` and `public/`, whose churn is no concern of the preview.
//!
//! Folders are watched rather than files, so an editor that saves by writing a temporary file and
//! renaming it over the original is seen like any other write: the batch names the final path, and
//! `source::refresh` looks at what is on disk. Must not: decide what a change means.
//!
//! The debouncing is a dozen lines here rather than notify-debouncer-full, on purpose: that crate
//! drops a file's "created" and "removed" events when both fall in one window, which is right for
//! a consumer that only sees its batches, but wrong for one that reads the disk between them —
//! a rebuild that saw the file (between the two events) would never learn it is gone. Here every
//! raw event reaches a batch, so the last rebuild always follows the last change.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode};

use crate::error::Error;

/// How long the files must be quiet before a batch is sent. Short, because it is added to every
/// edit-to-reload latency; long enough that the two or three events of one save arrive together.
pub(crate) const QUIET: Duration = Duration::from_millis(20);
/// A batch is sent after this long even if events keep coming (a script writing continuously).
pub(crate) const MAX_WAIT: Duration = Duration::from_millis(300);

/// One batch of changes.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Paths that changed (absolute).
    pub(crate) paths: Vec<PathBuf>,
    /// The watcher lost events (kernel queue overflow): the whole site must be read again.
    pub(crate) rescan: bool,
}

/// A running watcher; dropping it stops watching and closes the channel.
pub(crate) struct Watcher {
    _watcher: Box<dyn notify::Watcher + Send>,
}

/// Starts watching the site at `root`. With `poll`, files are polled every `poll` interval
/// instead of relying on kernel notifications (for network shares, WSL and containers, where
/// those do not arrive).
pub(crate) fn start(
    root: &Path,
    poll: Option<Duration>,
) -> Result<(Watcher, Receiver<Batch>), Error> {
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let watch_error = |e: notify::Error| {
        Error::Usage(format!(
            "cannot watch {} for changes: {e} (on a network share or in a container, try --poll 500)",
            root.display()
        ))
    };
    let mut watcher: Box<dyn notify::Watcher + Send> = match poll {
        Some(interval) => Box::new(
            notify::PollWatcher::new(
                raw_tx,
                notify::Config::default().with_poll_interval(interval),
            )
            .map_err(watch_error)?,
        ),
        None => Box::new(notify::recommended_watcher(raw_tx).map_err(watch_error)?),
    };
    for (path, mode) in [
        (root.join("content"), RecursiveMode::Recursive),
        (root.join("themes"), RecursiveMode::Recursive),
        (root.to_owned(), RecursiveMode::NonRecursive),
    ] {
        if path.exists() {
            watcher.watch(&path, mode).map_err(watch_error)?;
        }
    }
    let (tx, rx) = mpsc::channel::<Batch>();
    std::thread::Builder::new()
        .name("veiviser-watch".into())
        .spawn(move || {
            // Ends when the watcher is dropped (the raw channel closes) or nobody listens.
            while let Ok(first) = raw_rx.recv() {
                let mut batch = Batch::default();
                add(&mut batch, first);
                let started = Instant::now();
                loop {
                    let left = MAX_WAIT.saturating_sub(started.elapsed());
                    match raw_rx.recv_timeout(QUIET.min(left)) {
                        Ok(event) if !left.is_zero() => add(&mut batch, event),
                        Ok(event) => {
                            add(&mut batch, event);
                            break;
                        }
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                if (!batch.paths.is_empty() || batch.rescan) && tx.send(batch).is_err() {
                    return;
                }
            }
        })
        .map_err(|e| Error::Usage(format!("cannot start the watcher thread: {e}")))?;
    Ok((Watcher { _watcher: watcher }, rx))
}

fn add(batch: &mut Batch, event: notify::Result<notify::Event>) {
    match event {
        // Reading a file is an event too (inotify's open and close); the preview's own reads
        // would otherwise trigger the next rebuild, and that one the next.
        Ok(e) if matches!(e.kind, EventKind::Access(_)) => {}
        Ok(e) => {
            batch.rescan |= e.need_rescan();
            batch.paths.extend(e.paths);
        }
        // An error from the watcher may mean lost events.
        Err(_) => batch.rescan = true,
    }
}
