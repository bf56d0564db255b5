//! Stage ⑤: `Vec<OutputFile>` → the output folder, swapped in atomically.
//!
//! The site is written into a fresh temporary folder beside the output and, only when every file
//! is written, exchanged with the old output in one step (`renameat2(RENAME_EXCHANGE)` on Linux,
//! two renames elsewhere). A failed or killed build therefore leaves the previous site exactly as
//! it was, and a successful one leaves no stale file behind. Every path is checked to stay inside
//! the output folder, and a folder veiviser did not create is never replaced.
//!
//! `urls.lock` is written here too, between the two: after the new site is complete and before
//! it goes live ([`write_site`]). Invariant: every URL that is live is in the lock on disk, at
//! every instant, whatever moment a build is killed at.

use std::collections::HashSet;
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
    let staged = stage(out, site_root, files)?;
    after(Step::Staged);
    if let Some(text) = lock {
        write_lock(site_root, text).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&staged.temp);
        })?;
        after(Step::Locked);
    }
    staged.swap_in()?;
    after(Step::Swapped);
    staged.clean();
    after(Step::Cleaned);
    Ok(())
}

/// A new site written in full into a temporary folder beside the output, not yet live.
struct Staged {
    temp: PathBuf,
    out: PathBuf,
    /// Held until the swap is done: tells other builds this folder is not a leftover.
    _in_use: Claim,
    /// Whether the swap put the previous site into `temp`.
    holds_previous: std::cell::Cell<bool>,
}

impl Staged {
    /// Puts the new site in place of the output.
    fn swap_in(&self) -> Result<()> {
        let result = if self.out.exists() {
            exchange(&self.temp, &self.out).map(|()| self.holds_previous.set(true))
        } else {
            std::fs::rename(&self.temp, &self.out)
        };
        result.map_err(|e| {
            let _ = std::fs::remove_dir_all(&self.temp);
            Error::write(&self.out, e)
        })
    }

    /// Removes the previous site, which the swap left in the temporary folder.
    fn clean(self) {
        if self.holds_previous.get() {
            remove_dir_all_parallel(&self.temp);
        }
    }
}

/// Writes `files` into a fresh temporary folder beside `out`.
fn stage(out: &Path, site_root: &Path, files: &[OutputFile]) -> Result<Staged> {
    check_target(out, site_root)?;
    let mut seen = HashSet::new();
    for f in files {
        if !is_safe_relative(&f.path) {
            return Err(Error::Usage(format!(
                "refusing to write {:?}: not a plain path inside the output folder",
                f.path
            )));
        }
        if !seen.insert(f.path.as_str()) {
            return Err(Error::Usage(format!(
                "two outputs want the same file {}; a content file probably shadows a generated page",
                f.path
            )));
        }
    }
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
    let skip = case_duplicates(temp.path(), files);
    let to_write: Vec<&OutputFile> = files
        .iter()
        .filter(|f| !skip.contains(f.path.as_str()))
        .collect();
    // Folders first (in order, each once), then the files in parallel: a build writes tens of
    // thousands of small files and each costs a few system calls.
    let mut dirs: HashSet<&str> = HashSet::new();
    for f in &to_write {
        if let Some((dir, _)) = f.path.rsplit_once('/')
            && dirs.insert(dir)
        {
            let dir = temp.path().join(dir);
            std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
        }
    }
    to_write.par_iter().try_for_each(|f| {
        let path = temp.path().join(&f.path);
        let previous = out.join(&f.path);
        if unchanged(&previous, &f.bytes) && std::fs::hard_link(&previous, &path).is_ok() {
            return Ok(());
        }
        std::fs::write(&path, &f.bytes).map_err(|e| Error::write(&previous, e))
    })?;
    Ok(Staged {
        temp: temp.keep(),
        out: out.to_owned(),
        _in_use: in_use,
        holds_previous: std::cell::Cell::new(false),
    })
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

/// On a file system that ignores case (macOS, Windows), `takster/L8/index.html` (a code redirect)
/// and `takster/l8/index.html` (the page) are one file, and writing both would replace the page by
/// a redirect to itself. There the file system already serves every case variant of the path, so
/// only one file per case-folded path is written: the all-lowercase one (pages' URLs are
/// lowercase), else the first. `dir` must already hold [`MARKER`], which is probed in uppercase.
fn case_duplicates<'a>(dir: &Path, files: &'a [OutputFile]) -> HashSet<&'a str> {
    let mut skip = HashSet::new();
    if !dir.join(MARKER.to_uppercase()).exists() {
        return skip;
    }
    let mut groups: std::collections::HashMap<String, Vec<&str>> = std::collections::HashMap::new();
    for f in files {
        groups
            .entry(f.path.to_lowercase())
            .or_default()
            .push(&f.path);
    }
    for (folded, paths) in groups.into_iter().filter(|(_, p)| p.len() > 1) {
        let keep = paths
            .iter()
            .copied()
            .find(|p| *p == folded)
            .unwrap_or(paths[0]);
        skip.extend(paths.into_iter().filter(|p| *p != keep));
    }
    skip
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

/// Refuses outputs that would destroy something: the site itself, a parent of it, or a folder
/// with content that veiviser did not write.
fn check_target(out: &Path, site_root: &Path) -> Result<()> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let (out_abs, root_abs) = (abs(out), abs(site_root));
    if root_abs.starts_with(&out_abs) {
        return Err(Error::Usage(format!(
            "refusing to build into {}: it contains the site itself",
            out.display()
        )));
    }
    for protected in ["content", "themes"] {
        if out_abs.starts_with(root_abs.join(protected)) {
            return Err(Error::Usage(format!(
                "refusing to build into {}: it is inside the site's {protected}/ folder",
                out.display()
            )));
        }
    }
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::Usage(format!(
            "refusing to replace {}: it is a symlink",
            out.display()
        ))),
        Ok(m) if !m.is_dir() => Err(Error::Usage(format!(
            "refusing to replace {}: it is a file, not a folder",
            out.display()
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
                    "refusing to replace {}: it was not made by veiviser (no {MARKER}); remove it or choose another --out",
                    out.display()
                )))
            }
        }
        Err(_) => Ok(()),
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
            bytes: bytes.as_bytes().to_vec(),
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
        std::fs::write(dir.path().join(MARKER), "").unwrap();
        let f = |p: &str| OutputFile {
            path: p.into(),
            bytes: Vec::new(),
        };
        let files = [
            f("t/L8/index.html"),
            f("t/l8/index.html"),
            f("t/x/index.html"),
        ];
        let skip = case_duplicates(dir.path(), &files);
        // This test runs on whatever file system the temp folder is on.
        if dir.path().join(MARKER.to_uppercase()).exists() {
            assert_eq!(skip, HashSet::from(["t/L8/index.html"]));
        } else {
            assert!(skip.is_empty());
        }
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
