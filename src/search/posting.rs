//! The vocabulary shared by the index builder ([`super::index`]) and the compound splitter
//! ([`super::compound`]): a posting and the fast map both keep postings in. It lives below
//! both so that neither imports the other's internals (issue 16: no `compound` ↔ `index` cycle).

use std::collections::HashMap;

/// A map with a fast hasher: the index looks up every word of the site several times, and the
/// default `SipHash` showed up in profiles. Iteration order is never relied on.
pub(super) type FastMap<K, V> = HashMap<K, V, ahash::RandomState>;

/// One occurrence of a key: page number, section number, weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Posting {
    pub page: u32,
    pub section: u16,
    pub weight: f32,
}
