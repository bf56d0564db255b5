//! `veiviser init [DIR] [--template NAME]`: writes a starter site that builds and serves at once.
//!
//! In: a folder that does not exist or is empty, and the name of a starter site compiled into the
//! binary (`init/<name>/` in the repository). Out: that site's files on disk. It asks nothing and
//! never writes into a folder that already holds something.

use std::path::Path;

use crate::error::Error;
use crate::source;

/// The starter site written when `--template` is not given.
pub(super) const DEFAULT_TEMPLATE: &str = "enkel";

/// Writes starter site `template` into `dir`.
pub(super) fn run(dir: &Path, template: &str) -> Result<(), Error> {
    let Some(files) = source::init_files(template) else {
        let names = source::init_templates();
        let hint = crate::error::did_you_mean(template, names.iter().copied()).unwrap_or_default();
        return Err(Error::Usage(format!(
            "no starter site called `{template}` (there are: {}) {hint}",
            names.join(", ")
        )));
    };
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Usage(format!(
                    "{} is not empty; veiviser init writes only into a new or empty folder",
                    dir.display()
                )));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::read(dir, e)),
    }
    for (rel, bytes) in files {
        let path = dir.join(site_path(rel));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::write(&path, e))?;
    }
    let shown = dir.display();
    eprintln!(
        "created a veiviser site ({template}) in {shown}\n\nnext:\n  cd {shown}\n  veiviser serve      preview with live reload at http://127.0.0.1:1111/\n  veiviser build      the site in public/"
    );
    Ok(())
}

/// The path a template file gets in the site. Dotfiles are kept as `_name` in the repository (a
/// real `.gitignore` there would apply to the template folder itself).
fn site_path(rel: &str) -> String {
    match rel.rsplit_once('/') {
        Some((dir, name)) if name.starts_with('_') && !name.contains('.') => {
            format!("{dir}/.{}", &name[1..])
        }
        None if rel.starts_with('_') && !rel.contains('.') => format!(".{}", &rel[1..]),
        _ => rel.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotfiles_are_stored_with_an_underscore() {
        assert_eq!(site_path("_gitignore"), ".gitignore");
        assert_eq!(site_path("content/_index.md"), "content/_index.md");
        assert_eq!(site_path("veiviser.yaml"), "veiviser.yaml");
    }
}
