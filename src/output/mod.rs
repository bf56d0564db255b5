//! Stage ⑤: `OutputFile`s → the output folder, swapped in atomically.
//!
//! The site is written into a fresh temporary folder beside the output ([`Staging`]), each file as
//! soon as a stage makes it (from any thread, so a build never holds its whole output in memory),
//! and, only when the whole build succeeded, exchanged with the old output in one step (`renameat2(RENAME_EXCHANGE)` on Linux,
//! two renames elsewhere). A failed or killed build therefore leaves the previous site exactly as
//! it was, and a successful one leaves no stale file behind. Every path is checked to stay inside
//! the output folder, and a folder veiviser did not create is never replaced.
//!
//! `urls.lock` is written here too, between the two: after the new site is complete and before
//! it goes live ([`write_site`]). Invariant: every URL that is live is in the lock on disk, at
//! every instant, whatever moment a build is killed at.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::vocab::OutputFile;

/// Marker file written into every output folder; its presence allows replacing the folder.
pub const MARKER: &str = ".veiviser-output";
const TEMP_PREFIX: &str = ".veiviser-build-";

/// Checks that `path` is a plain relative path (no `..`, no root, no drive, no empty segment).
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.contains('\0')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        && !path.split('/').any(str::is_empty)
}

/// A step of [`write_site`], reported once it is done (on disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The new site is complete in a temporary folder; the previous one is still live.
    Staged,
    /// `urls.lock` holds the new site's URLs (skipped when the lock did not change).
    Locked,
    /// The new site is live; the previous one is in the temporary folder.
    Swapped,
    /// The previous site is removed.
    Cleaned,
}

/// Publishes `files` as the new content of `out` and `lock` (when it changed) as `urls.lock`, in
/// an order where every prefix of the steps is safe to be killed after: the new site is staged,
/// then the lock is written (fsync'd, renamed), and only then is the new site swapped in. So a
/// published URL is locked at every instant ("published ⇒ locked"); a kill between lock and swap
/// leaves the old site under a lock that only grew, which the next build simply rewrites.
/// `after` is told each step as it completes (tests check the invariant there).
pub fn write_site(
    out: &Path,
    site_root: &Path,
    files: &[OutputFile],
    lock: Option<&str>,
    after: &mut dyn FnMut(Step),
) -> Result<()> {
    let staging = Staging::begin(out, site_root)?;
    files.par_iter().for_each(|f| staging.write(f));
    staging.publish(lock, after)
}

/// A new site being written into a temporary folder beside the output, file by file as it is
/// made (from any thread); not live until [`Staging::publish`]. Dropped unpublished, the folder
/// is removed and the previous site stays as it was.
pub struct Staging {
    temp: PathBuf,
    out: PathBuf,
    /// Where `urls.lock` is written.
    site_root: PathBuf,
    /// Held until the swap is done: tells other builds this folder is not a leftover.
    _in_use: Claim,
    /// Whether the folder ignores case: then one file per case-folded path is written.
    folds_case: bool,
    state: std::sync::Mutex<Written>,
}

/// What a staging folder has received so far.
#[derive(Default)]
struct Written {
    paths: HashSet<String>,
    /// Case-folded path → the path written there, where the folder ignores case.
    folded: HashMap<String, String>,
    /// Folders created (or being created by some thread).
    dirs: HashSet<String>,
    /// The first error; every later write is skipped and [`Staging::publish`] returns it.
    error: Option<Error>,
}

impl Staging {
    /// A fresh temporary folder beside `out` (after checking that `out` may be replaced), with
    /// leftovers of killed builds removed.
    pub fn begin(out: &Path, site_root: &Path) -> Result<Self> {
        let resolved = resolve(out).map_err(|e| Error::write(out, e))?;
        let root = site_root
            .canonicalize()
            .map_err(|e| Error::read(site_root, e))?;
        check_target(&resolved, &root, out)?;
        let out = resolved.as_path();
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        remove_stale_temps(parent);
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempdir_in(parent)
            .map_err(|e| Error::write(parent, e))?;
        let in_use = claim(temp.path()).map_err(|e| Error::write(temp.path(), e))?;
        let marker = temp.path().join(MARKER);
        std::fs::write(
            &marker,
            b"This folder is written by veiviser and replaced on every build.\n",
        )
        .map_err(|e| Error::write(&marker, e))?;
        let folds_case = temp.path().join(MARKER.to_uppercase()).exists();
        Ok(Self {
            temp: temp.keep(),
            out: out.to_owned(),
            site_root: site_root.to_owned(),
            _in_use: in_use,
            folds_case,
            state: std::sync::Mutex::default(),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Written> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes `f` into the folder (an unchanged file of the previous output is hard-linked
    /// instead). A path that is not plain, or that a file was already written to, is an error,
    /// kept for [`Staging::publish`]; so is a failed write.
    pub fn write(&self, f: &OutputFile) {
        let dir = {
            let mut state = self.state();
            if state.error.is_some() {
                return;
            }
            if let Err(e) = Self::claim_path(&mut state, &f.path) {
                state.error.get_or_insert(e);
                return;
            }
            if !self.keeps(&mut state, &f.path) {
                return;
            }
            // Each folder is created once, by the first file in it; a file of the same folder
            // written meanwhile by another thread creates it too (see below).
            f.path
                .rsplit_once('/')
                .map(|(dir, _)| dir)
                .filter(|dir| state.dirs.insert((*dir).to_owned()))
        };
        if let Err(e) = self.write_file(f, dir) {
            self.state().error.get_or_insert(e);
        }
    }

    /// Creates the folders of `paths` (files to be written), in sorted order, each once, before
    /// their files arrive from many threads (as when the whole site was written at the end).
    pub fn create_dirs<'a>(&self, paths: impl Iterator<Item = &'a str>) {
        let mut dirs: Vec<&str> = paths
            .filter(|p| is_safe_relative(p))
            .filter_map(|p| p.rsplit_once('/').map(|(dir, _)| dir))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        let mut state = self.state();
        for dir in dirs {
            if state.error.is_some() {
                return;
            }
            if state.dirs.insert(dir.to_owned()) {
                let path = self.temp.join(dir);
                if let Err(e) = std::fs::create_dir_all(&path) {
                    state.error = Some(Error::write(&path, e));
                }
            }
        }
    }

    /// Records `path` as written, or says why it cannot be.
    fn claim_path(state: &mut Written, path: &str) -> Result<()> {
        if !is_safe_relative(path) {
            return Err(Error::Usage(format!(
                "refusing to write {path:?}: not a plain path inside the output folder"
            )));
        }
        if !state.paths.insert(path.to_owned()) {
            return Err(Error::Usage(format!(
                "two outputs want the same file {path}; a content file probably shadows a generated page"
            )));
        }
        Ok(())
    }

    /// On a file system that ignores case (macOS, Windows), `takster/L8/index.html` (a code
    /// redirect) and `takster/l8/index.html` (the page) are one file, and writing both would
    /// replace the page by a redirect to itself. There the file system already serves every case
    /// variant of the path, so only one file per case-folded path is kept: the all-lowercase one
    /// (pages' URLs are lowercase), else the first.
    fn keeps(&self, state: &mut Written, path: &str) -> bool {
        if !self.folds_case {
            return true;
        }
        let folded = path.to_lowercase();
        match state.folded.get(&folded) {
            Some(_) if path != folded => false,
            _ => {
                state.folded.insert(folded, path.to_owned());
                true
            }
        }
    }

    fn write_file(&self, f: &OutputFile, new_dir: Option<&str>) -> Result<()> {
        let path = self.temp.join(&f.path);
        let previous = self.out.join(&f.path);
        let create_dir = |dir: &str| {
            let dir = self.temp.join(dir);
            std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))
        };
        if let Some(dir) = new_dir {
            create_dir(dir)?;
        }
        if unchanged(&previous, &f.bytes) && std::fs::hard_link(&previous, &path).is_ok() {
            return Ok(());
        }
        match std::fs::write(&path, &f.bytes) {
            // The folder is another thread's to create, and not there yet.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some((dir, _)) = f.path.rsplit_once('/') {
                    create_dir(dir)?;
                }
                std::fs::write(&path, &f.bytes)
            }
            other => other,
        }
        .map_err(|e| Error::write(&previous, e))
    }

    /// The text of a file written so far (for the snippet of a problem found after writing).
    pub fn read(&self, path: &str) -> Option<String> {
        if !is_safe_relative(path) {
            return None;
        }
        let bytes = std::fs::read(self.temp.join(path)).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Makes the staged site live: the lock written (when it changed), then the folder swapped
    /// in and the previous site removed, with `after` told each step. Returns the first error
    /// of the writes instead, leaving the previous site.
    pub fn publish(self, lock: Option<&str>, after: &mut dyn FnMut(Step)) -> Result<()> {
        if let Some(e) = self.state().error.take() {
            return Err(e);
        }
        after(Step::Staged);
        if let Some(text) = lock {
            write_lock(&self.site_root, text)?;
            after(Step::Locked);
        }
        self.swap_in()?;
        after(Step::Swapped);
        remove_dir_all_parallel(&self.temp);
        after(Step::Cleaned);
        Ok(())
    }

    /// Puts the new site in place of the output; the previous one, if any, goes into `temp`.
    fn swap_in(&self) -> Result<()> {
        if self.out.exists() {
            exchange(&self.temp, &self.out)
        } else {
            std::fs::rename(&self.temp, &self.out)
        }
        .map_err(|e| Error::write(&self.out, e))
    }
}

impl Drop for Staging {
    /// An unpublished site (errors, or a build that only checked) is removed; after a publish
    /// the folder is gone already.
    fn drop(&mut self) {
        if self.temp.exists() {
            remove_dir_all_parallel(&self.temp);
        }
    }
}

/// Whether the previous output holds a plain file at `path` with exactly `bytes`. Such a file is
/// hard-linked into the new output instead of written again: removing the previous output then
/// frees no file, which on some file systems (ext4 mounted with `discard`) cost a millisecond a
/// file and most of a rebuild of a small site. Files are never changed in place, so sharing them
/// between the old and the new output is safe.
fn unchanged(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Writes `urls.lock` at the site root: into a temporary file beside it, then renamed over it, so
/// an interrupted write never leaves half a lock.
pub fn write_lock(site_root: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let path = site_root.join(crate::source::LOCK_FILE);
    let mut tmp = tempfile::Builder::new()
        .prefix(".urls.lock.")
        .tempfile_in(site_root)
        .map_err(|e| Error::write(&path, e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::write(&path, e))?;
    tmp.persist(&path)
        .map_err(|e| Error::write(&path, e.error))?;
    // The rename itself is durable only once the folder is synced: the site swapped in next
    // must never outlive its lock in a power cut. (Folders cannot be opened for syncing on every
    // platform; there the rename is as durable as the file system makes it.)
    if let Ok(dir) = std::fs::File::open(site_root) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// `path` made absolute with every `..` and symlinked folder resolved as the kernel will resolve
/// them once the missing folders exist: `public/../content` is `content`, even while `public`
/// does not exist yet (its creation is what would make the kernel go there). Checked lexically,
/// such a path passed every check and the site's `content/` was swapped out and deleted. A
/// symlink as the last component is kept, for [`check_target`] to refuse.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let parts: Vec<Component<'_>> = abs.components().collect();
    let mut resolved = PathBuf::new();
    // `resolved` never holds a symlink, so `..` is its parent, as for the kernel.
    for (i, part) in parts.iter().enumerate() {
        match part {
            Component::Prefix(_) | Component::RootDir => resolved.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => {
                resolved.push(name);
                let last = i + 1 == parts.len();
                if !last
                    && std::fs::symlink_metadata(&resolved)
                        .is_ok_and(|m| m.file_type().is_symlink())
                {
                    resolved = resolved.canonicalize()?;
                }
            }
        }
    }
    Ok(resolved)
}

/// Refuses outputs that would destroy something: the site itself, a parent of it, or a folder
/// with content that veiviser did not write. `out` and `site_root` are [`resolve`]d; `given` is
/// the path as the user wrote it, for the messages.
fn check_target(out: &Path, site_root: &Path, given: &Path) -> Result<()> {
    let shown = if given == out {
        given.display().to_string()
    } else {
        format!("{} (that is {})", given.display(), out.display())
    };
    if site_root.starts_with(out) {
        return Err(Error::Usage(format!(
            "refusing to build into {shown}: it contains the site itself"
        )));
    }
    for protected in ["content", "themes"] {
        if out.starts_with(site_root.join(protected)) {
            return Err(Error::Usage(format!(
                "refusing to build into {shown}: it is inside the site's {protected}/ folder"
            )));
        }
    }
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::Usage(format!(
            "refusing to replace {shown}: it is a symlink"
        ))),
        Ok(m) if !m.is_dir() => Err(Error::Usage(format!(
            "refusing to replace {shown}: it is a file, not a folder"
        ))),
        Ok(_) => {
            let empty = std::fs::read_dir(out)
                .map_err(|e| Error::read(out, e))?
                .next()
                .is_none();
            if empty || out.join(MARKER).is_file() {
                Ok(())
            } else {
                Err(Error::Usage(format!(
                    "refusing to replace {shown}: it was not made by veiviser (no {MARKER}); remove it or choose another --out"
                )))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::read(out, e)),
    }
}

/// Removes a folder like `remove_dir_all`, its top-level entries in parallel: the previous site
/// holds as many files as the new one, and unlinking them one by one was a good part of a build.
fn remove_dir_all_parallel(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        // The entry's own type (a symlink is removed, never followed).
        let entries: Vec<(PathBuf, bool)> = entries
            .flatten()
            .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
            .collect();
        entries.par_iter().for_each(|(p, is_dir)| {
            let _ = if *is_dir {
                std::fs::remove_dir_all(p)
            } else {
                std::fs::remove_file(p)
            };
        });
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// Without an atomic exchange: move the old output aside, the new one in, then delete the old.
/// A crash between the two renames leaves the previous site under the aside name.
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = b.with_extension("veiviser-old");
    let _ = std::fs::remove_dir_all(&aside);
    std::fs::rename(b, &aside)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&aside, a)
}

/// Takes an exclusive `flock` on the folder, which the kernel releases when this process ends in
/// any way (SIGKILL included), so a later build can tell a killed build's folder from a live one.
#[cfg(target_os = "linux")]
type Claim = std::fs::File;

#[cfg(target_os = "linux")]
fn claim(dir: &Path) -> std::io::Result<Claim> {
    use rustix::fs::{FlockOperation, flock};
    let handle = std::fs::File::open(dir)?;
    flock(&handle, FlockOperation::NonBlockingLockExclusive)?;
    Ok(handle)
}

#[cfg(not(target_os = "linux"))]
type Claim = ();

#[cfg(not(target_os = "linux"))]
fn claim(_dir: &Path) -> std::io::Result<Claim> {
    Ok(())
}

/// Removes temporary folders left by builds that were killed.
fn remove_stale_temps(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        if name.to_string_lossy().starts_with(TEMP_PREFIX) && is_stale(&e.path()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A temporary build folder nobody holds a lock on belongs to a build that is gone (killed, or
/// crashed). It is removed at once: a build killed again and again must not fill the disk.
#[cfg(target_os = "linux")]
fn is_stale(path: &Path) -> bool {
    claim(path).is_ok()
}

/// Without `flock`: a temporary build folder untouched for ten minutes belongs to a build that
/// is gone.
#[cfg(not(target_os = "linux"))]
fn is_stale(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|d| d.as_secs() > 600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_safe() {
        assert!(is_safe_relative("takster/l8/index.html"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a\\..\\b",
            "./a",
        ] {
            assert!(!is_safe_relative(bad), "{bad}");
        }
    }

    fn file(path: &str, bytes: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: bytes.as_bytes().to_vec().into(),
        }
    }

    /// The site alone, without a lock.
    fn write_dir(out: &Path, root: &Path, files: &[OutputFile]) -> Result<()> {
        write_site(out, root, files, None, &mut |_| {})
    }

    #[test]
    fn write_replaces_output_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let f = file;
        write_dir(
            &out,
            dir.path(),
            &[f("a/index.html", "1"), f("old.txt", "x")],
        )
        .unwrap();
        write_dir(&out, dir.path(), &[f("a/index.html", "2")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "2"
        );
        assert!(!out.join("old.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("public")]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_killed_builds_are_removed_but_live_builds_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(format!("{TEMP_PREFIX}dead"));
        let live = dir.path().join(format!("{TEMP_PREFIX}live"));
        std::fs::create_dir_all(dead.join("a")).unwrap();
        std::fs::create_dir_all(&live).unwrap();
        let _held = claim(&live).unwrap();
        remove_stale_temps(dir.path());
        assert!(!dead.exists());
        assert!(live.exists());
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_are_linked_and_changed_ones_written_anew() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let f = file;
        write_dir(
            &out,
            dir.path(),
            &[f("same.html", "a"), f("changed.html", "1")],
        )
        .unwrap();
        let inode = |p: &str| std::fs::metadata(out.join(p)).unwrap().ino();
        let (same, changed) = (inode("same.html"), inode("changed.html"));
        write_dir(
            &out,
            dir.path(),
            &[f("same.html", "a"), f("changed.html", "2")],
        )
        .unwrap();
        assert_eq!(inode("same.html"), same);
        assert_ne!(inode("changed.html"), changed);
        assert_eq!(
            std::fs::read_to_string(out.join("changed.html")).unwrap(),
            "2"
        );
        assert_eq!(std::fs::metadata(out.join("same.html")).unwrap().nlink(), 1);
    }

    #[test]
    fn lock_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        write_lock(dir.path(), "/a/\n").unwrap();
        write_lock(dir.path(), "/a/\n/b/\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("urls.lock")).unwrap(),
            "/a/\n/b/\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn case_variants_keep_the_lowercase_file_where_case_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let f = |p: &str| file(p, p);
        // The redirect first, then the page, then the redirect again (a second code alias).
        write_dir(
            &out,
            dir.path(),
            &[f("t/L8/index.html"), f("t/x/index.html")],
        )
        .unwrap();
        let staging = Staging::begin(&out, dir.path()).unwrap();
        for p in ["t/L8/index.html", "t/l8/index.html", "t/x/index.html"] {
            staging.write(&f(p));
        }
        staging.publish(None, &mut |_| {}).unwrap();
        let page = std::fs::read_to_string(out.join("t/l8/index.html")).unwrap();
        assert_eq!(page, "t/l8/index.html");
        // This test runs on whatever file system the temp folder is on.
        if !dir.path().join("PUBLIC").exists() {
            assert_eq!(
                std::fs::read_to_string(out.join("t/L8/index.html")).unwrap(),
                "t/L8/index.html"
            );
        }
    }

    #[test]
    fn a_failed_write_leaves_the_previous_site_and_no_temporary_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_dir(&out, dir.path(), &[file("a/index.html", "1")]).unwrap();
        let staging = Staging::begin(&out, dir.path()).unwrap();
        staging.write(&file("a/index.html", "2"));
        staging.write(&file("a/index.html", "3"));
        let err = staging.publish(None, &mut |_| {}).unwrap_err();
        assert!(
            err.to_string().contains("two outputs want the same file"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "1"
        );
        let staging = Staging::begin(&out, dir.path()).unwrap();
        staging.write(&file("../x", "2"));
        drop(staging);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("public")]);
    }

    #[test]
    fn foreign_folders_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("src");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("main.rs"), "fn main(){}").unwrap();
        let err = write_dir(&out, dir.path(), &[]).unwrap_err();
        assert!(err.to_string().contains("not made by veiviser"), "{err}");
        assert!(out.join("main.rs").exists());
        assert!(write_dir(dir.path(), dir.path(), &[]).is_err());
    }
}
