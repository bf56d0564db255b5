//! The front-matter keys every page may have, whatever its kind (`config` checks that no kind
//! declares a field by one of these names; `page` reads them).

/// The front-matter keys every page may have, besides its kind's fields.
pub const COMMON_KEYS: &[&str] = &[
    "title",
    "id",
    "summary",
    "sources",
    "aliases",
    "anchor_aliases",
    "tags",
    "updated",
    "endringer",
    "weight",
    "draft",
];

/// Whether `key` is one of the front-matter keys every page has.
pub fn is_common_key(key: &str) -> bool {
    COMMON_KEYS.contains(&key)
}

/// The top-level folders of the output that veiviser generates itself, with what they hold: no
/// content page, section or alias may live there (`config` checks sections, `graph` pages and
/// aliases).
pub const GENERATED_FOLDERS: &[(&str, &str)] = &[
    ("sok", "the search page"),
    ("endringer", "the list of changes"),
    ("emner", "the tag pages"),
    ("search", "the search index"),
    ("assets", "the theme's files"),
];

/// What veiviser generates at (or under) the site path `path` (`sok/`, `emner/x/`), if anything.
pub fn generated_folder_of(path: &str) -> Option<&'static str> {
    let first = path.trim_start_matches('/').split('/').next()?;
    GENERATED_FOLDERS
        .iter()
        .find(|(folder, _)| *folder == first)
        .map(|(_, what)| *what)
}

/// The generated folders as a reader sees them: `/sok/, /endringer/, …`.
pub fn generated_folders_list() -> String {
    GENERATED_FOLDERS
        .iter()
        .map(|(f, _)| format!("/{f}/"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_folders_are_found_by_their_first_segment_only() {
        assert_eq!(generated_folder_of("sok/"), Some("the search page"));
        assert_eq!(generated_folder_of("/emner/x/"), Some("the tag pages"));
        assert_eq!(generated_folder_of("sokere/"), None);
        assert_eq!(generated_folder_of("takster/sok/"), None);
        assert_eq!(generated_folder_of(""), None);
    }
}
