//! What names a page, for the ranking's last steps: the words of its title, code, keywords, kind
//! and facet values ([`title_words`]), whether a query unit is among them ([`unit_in`]), and the
//! filter values a query names ([`named_values`], [`named_unit`]).
//!
//! In: the reader's manifest, a page's fragment, parsed query units. Out: plain answers for
//! [`engine`](super::engine), which decides what they are worth. A typo counts by the lookup's
//! rule (one from 5 letters, two from 9; never in codes). `search-engine.js` mirrors each
//! function.

use super::analyse;
use super::format::Fragment;
use super::query::{Unit, Word};
use super::reader::Reader;
use super::typo::typo_distance;

/// Whether `a` (a folded stem of the query) is `b` (one of a value's), or `b` with a typo by the
/// rule of the lookup: one from 5 letters, two from 9.
pub(super) fn same_value_word(a: &str, b: &str) -> bool {
    let n = b.chars().count();
    let max = if n >= 9 { 2 } else { 1 };
    a == b || n >= 5 && a != "|" && typo_distance(a, b, max) <= max
}

/// Whether unit `u`'s own words, or those of one of its synonyms, are all words of a named filter
/// value.
pub(super) fn named_unit(reader: &Reader<'_>, named: &[(usize, u32)], u: &Unit) -> bool {
    let own = std::iter::once(&u.alts[0]).chain(u.alts.iter().filter(|a| a.synonym));
    own.into_iter().any(|a| {
        a.words.iter().all(|w| {
            let stem = analyse::fold(&w.stem);
            named.iter().any(|&(f, v)| {
                let value = &reader.manifest.filters[f].values[v as usize];
                super::index::whole_key(value)
                    .is_some_and(|k| k[1..].split(' ').any(|x| same_value_word(&stem, x)))
            })
        })
    })
}

/// `(filter, value)` pairs whose value is named in the query (`folded`: see `Query::folded`),
/// word by word, a typo allowed as in the lookup (`sandefjrod` names `Sandefjord`).
pub(super) fn named_values(reader: &Reader<'_>, folded: &str) -> Vec<(usize, u32)> {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = Vec::new();
    for (f, def) in reader.manifest.filters.iter().enumerate() {
        for (v, value) in def.values.iter().enumerate() {
            let Some(key) = super::index::whole_key(value) else {
                continue;
            };
            let key: Vec<&str> = key[1..].split(' ').collect();
            if words
                .windows(key.len())
                .any(|win| win.iter().zip(&key).all(|(a, b)| same_value_word(a, b)))
            {
                out.push((f, v as u32));
            }
        }
    }
    out
}

/// The words that name page `p`: its title, code, keywords, kind label and facet values, as
/// `(word, folded stem)`.
pub(super) fn title_words(reader: &Reader<'_>, f: &Fragment, p: u32) -> Vec<(String, String)> {
    let (kind, values) = reader.facets_of(p);
    let mut texts: Vec<&str> = vec![&f.t, &f.c, &f.k];
    if let Some([_, label, _]) = reader.manifest.kinds.get(kind) {
        texts.push(label);
    }
    for (def, &v) in reader.manifest.filters.iter().zip(values) {
        if let Some(value) = (v as usize).checked_sub(1).and_then(|v| def.values.get(v)) {
            texts.push(value);
        }
    }
    let mut out = Vec::new();
    for t in texts {
        for tok in analyse::tokens(&analyse::nfc(t)) {
            let stem = analyse::fold(&analyse::stem(&tok.text));
            out.push((tok.text, stem));
        }
    }
    out
}

/// Whether some alternative of unit `u` has all its words among `labels` (see [`title_words`]):
/// the same word, stem or folded stem, or the word with a typo. Not a longer word it starts or a
/// compound holding it: `fastlegekontor` does not name the `fastlege`.
pub(super) fn unit_in(u: &Unit, labels: &[(String, String)]) -> bool {
    u.alts.iter().any(|a| {
        a.words.iter().all(|w| {
            let wstem = analyse::fold(&w.stem);
            let wrestem = analyse::fold(&w.restem);
            labels.iter().any(|(t, tstem)| {
                *t == w.text
                    || w.code && analyse::fold(t) == w.fold
                    || !w.code && (*tstem == wstem || *tstem == wrestem)
                    || typo_of(w, t)
            })
        })
    })
}

/// Whether `t` is word `w` with a typo, by the rule of the lookup (one typo from 5 letters, two
/// from 9; never in codes).
fn typo_of(w: &Word, t: &str) -> bool {
    let letters = w.text.chars().count();
    if w.code || w.exact || letters < 5 || t.chars().any(char::is_numeric) {
        return false;
    }
    let max = if letters >= 9 { 2 } else { 1 };
    typo_distance(&w.fold, &analyse::fold(t), max) <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<(String, String)> {
        analyse::tokens(text)
            .into_iter()
            .map(|t| {
                let s = analyse::fold(&analyse::stem(&t.text));
                (t.text, s)
            })
            .collect()
    }

    #[test]
    fn a_title_covers_words_by_stem_fold_and_typo_not_inside_compounds() {
        let table = super::super::query::SynonymTable::default();
        let title = labels("Nav i lunsj og fagmøter på legekontorene sandefjord gradert");
        let units = |q: &str| super::super::query::parse(q, &table).units;
        for q in [
            "legekontor ",
            "fagmote ",
            "lunsjen ",
            "sandefjrod ",
            "gardert ",
        ] {
            assert!(
                units(q).iter().all(|u| unit_in(u, &title)),
                "{q} should be covered"
            );
        }
        for q in ["besøk ", "l8 ", "lunch ", "fag ", "legekon"] {
            assert!(
                !units(q).iter().all(|u| unit_in(u, &title)),
                "{q} should not be covered"
            );
        }
    }

    #[test]
    fn value_words_allow_the_lookup_s_typos() {
        assert!(same_value_word("sandefjrod", "sandefjord"));
        assert!(same_value_word("kristiansnad", "kristiansand"));
        assert!(!same_value_word("bodo", "boda"), "short words are exact");
        assert!(!same_value_word("|", "|"[..0].trim()));
    }
}
