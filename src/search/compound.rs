//! Decompounding from the site's own vocabulary: `møtegodtgjørelse` is `møte` + `godtgjørelse`
//! because both occur as words somewhere in the site, so a search for `godtgjørelse` finds it.
//!
//! Hand-written: no maintained crate splits Norwegian compounds, and a dictionary of the site's
//! own words is exactly the lexicon the research notes ask for (§6.3, "compounds"). A word is
//! split into the fewest known parts of at least [`MIN_PART`] letters, optionally joined by a
//! linking `s` or `e` (`arbeid|s|giver`); each part is split again, so `sykefraværsoppfølging`
//! yields `sykefravær`, `syke`, `fravær` and `oppfølging`. Digits never take part.

use std::collections::{BTreeSet, HashSet};

use rayon::prelude::*;

use super::posting::{FastMap, Posting};

/// Shortest part, in characters.
pub(super) const MIN_PART: usize = 4;
/// Shortest word that is tried, in characters.
pub(super) const MIN_COMPOUND: usize = 2 * MIN_PART;
const MAX_DEPTH: usize = 3;

/// The words of `vocabulary` that split into parts, with their parts, sorted by word.
pub(super) fn splits<'w>(vocabulary: impl Iterator<Item = &'w str>) -> Vec<(&'w str, Vec<String>)> {
    let vocab: HashSet<&str> = vocabulary
        .filter(|w| w.chars().count() >= MIN_PART && w.chars().all(char::is_alphabetic))
        .collect();
    let mut splits: Vec<(&str, Vec<String>)> = vocab
        .par_iter()
        .filter(|w| w.chars().count() >= MIN_COMPOUND)
        .filter_map(|w| {
            let parts = parts(w, &vocab);
            (!parts.is_empty()).then_some((*w, parts))
        })
        .collect();
    splits.sort_unstable();
    splits
}

/// The postings every compound part inherits from the compounds containing it, keyed by part:
/// `splits` as [`splits`] gives them, `postings(i)` the whole list of the `i`th compound.
pub(super) fn part_postings<'p>(
    splits: &[Vec<String>],
    postings: impl Fn(usize) -> &'p [Posting],
) -> FastMap<String, Vec<Posting>> {
    let mut out: FastMap<String, Vec<Posting>> = FastMap::default();
    for (i, parts) in splits.iter().enumerate() {
        for p in parts {
            out.entry(p.clone())
                .or_default()
                .extend_from_slice(postings(i));
        }
    }
    out.par_iter_mut().for_each(|(_, list)| {
        list.sort_by(|a, b| {
            (a.page, a.section)
                .cmp(&(b.page, b.section))
                .then(b.weight.total_cmp(&a.weight))
        });
        list.dedup_by(|b, a| a.page == b.page && a.section == b.section);
    });
    out
}

/// Every part of `word` (recursively), or nothing when it does not split into known words.
pub(super) fn parts(word: &str, vocab: &HashSet<&str>) -> Vec<String> {
    let mut found = BTreeSet::new();
    collect(word, vocab, 0, &mut found);
    found.remove(word);
    found.into_iter().collect()
}

fn collect(word: &str, vocab: &HashSet<&str>, depth: usize, found: &mut BTreeSet<String>) {
    if depth >= MAX_DEPTH {
        return;
    }
    if let Some(split) = split(word, vocab) {
        for p in split {
            if found.insert(p.clone()) {
                collect(&p, vocab, depth + 1, found);
            }
        }
    }
}

/// The segmentation of `word` into the fewest known parts (at least two), longest first part
/// first on ties; `None` when there is none.
fn split(word: &str, vocab: &HashSet<&str>) -> Option<Vec<String>> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    if n < MIN_COMPOUND {
        return None;
    }
    // Byte offset of each char (and of the end), so candidate parts are slices, not new strings.
    let bytes: Vec<usize> = word
        .char_indices()
        .map(|(b, _)| b)
        .chain([word.len()])
        .collect();
    let s = |a: usize, b: usize| &word[bytes[a]..bytes[b]];
    // best[i]: fewest parts covering chars[i..], and where the first of them ends.
    let mut best: Vec<Option<(usize, usize, usize)>> = vec![None; n + 1];
    best[n] = Some((0, n, n));
    for i in (0..n).rev() {
        for j in (i + MIN_PART..=n).rev() {
            if i == 0 && j == n {
                continue; // the word itself is not a part of itself
            }
            if !vocab.contains(s(i, j)) {
                continue;
            }
            // Straight after the part, or after a linking `s`/`e`.
            let mut nexts = vec![j];
            if j < n && matches!(chars[j], 's' | 'e') {
                nexts.push(j + 1);
            }
            for next in nexts {
                if let Some((parts, _, _)) = best[next]
                    && best[i].is_none_or(|(p, _, _)| parts + 1 < p)
                {
                    best[i] = Some((parts + 1, j, next));
                }
            }
        }
    }
    let (count, _, _) = best[0]?;
    if count < 2 {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let (_, end, next) = best[i]?;
        out.push(s(i, end).to_owned());
        i = next;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab<'a>(words: &[&'a str]) -> HashSet<&'a str> {
        words.iter().copied().collect()
    }

    #[test]
    fn splits_into_known_words_with_linking_letters() {
        let v = vocab(&[
            "møte",
            "godtgjørelse",
            "arbeid",
            "giver",
            "syke",
            "fravær",
            "sykefravær",
            "oppfølging",
        ]);
        assert_eq!(parts("møtegodtgjørelse", &v), ["godtgjørelse", "møte"]);
        assert_eq!(parts("arbeidsgiver", &v), ["arbeid", "giver"]);
        assert_eq!(
            parts("sykefraværsoppfølging", &v),
            ["fravær", "oppfølging", "syke", "sykefravær"]
        );
    }

    #[test]
    fn unknown_or_short_words_stay_whole() {
        let v = vocab(&["lege", "vakt", "fast"]);
        assert!(parts("legevakt", &v).len() == 2);
        assert!(parts("legevaktene", &v).is_empty());
        assert!(parts("fastlege", &vocab(&["fast"])).is_empty());
        assert!(parts("lege", &v).is_empty());
    }
}
