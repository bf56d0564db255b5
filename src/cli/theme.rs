//! `veiviser theme eject`: writes the built-in theme into the site's `themes/<name>/`, for full
//! control over every template and static file.
//!
//! In: the site folder (its `veiviser.yaml` names the theme; `default` when it does not). Out:
//! the built-in theme's files on disk. It never overwrites a file: a site that already overrides
//! some files keeps them, and the command names the ones it left alone.

use std::path::Path;

use crate::error::Error;
use crate::source;

/// Writes every built-in theme file that the site does not have yet.
pub(super) fn eject(root: &Path) -> Result<(), Error> {
    let name = crate::pipeline::theme_name(root)?;
    let dir = root.join("themes").join(&name);
    let mut written = 0;
    let mut kept = Vec::new();
    for (rel, bytes) in source::theme_files() {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        // create_new: a file the site already has is its own override, never replaced.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                std::io::Write::write_all(&mut f, bytes).map_err(|e| Error::write(&path, e))?;
                written += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                kept.push(format!("themes/{name}/{rel}"));
            }
            Err(e) => return Err(Error::write(&path, e)),
        }
    }
    eprintln!(
        "wrote {written} files of the built-in theme to {}",
        dir.display()
    );
    if !kept.is_empty() {
        eprintln!(
            "kept the site's own version of {} files (delete one and eject again to get the built-in copy):",
            kept.len()
        );
        for k in kept {
            eprintln!("  {k}");
        }
    }
    Ok(())
}
