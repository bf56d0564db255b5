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
