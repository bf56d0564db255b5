//! `veiviser search --explain`: why a page ranks. In: the reader, a parsed [`Query`] and a page.
//! Out: one [`Match`] per query word and index entry that scores the page — which word of which
//! unit, through which variant (exact, stem, folded, derived, prefix, typo, compound part,
//! synonym, joined compound, code as written), in which section and fields, with its score —
//! and the [`Factor`]s its whole score is multiplied by (a named municipality, a local or hub
//! page).
//!
//! It re-runs the lookup of [`engine`] for one page instead of recording inside the ranking loop,
//! so the ranking pays nothing for it; the scores are the same products (`factor × idf × field
//! weight`). The fields are found by looking the matched key up in the page's fragment, because
//! the index stores one combined weight per section, not one per field.

use super::analyse;
use super::engine::{self, FUZZY_MIN, FUZZY1, FUZZY2, PART};
use super::format::{self, Fragment};
use super::query::{Alt, Query, Word};
use super::reader::{DecodedEntry, ReadError, Reader};

/// One reason a page scores.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Match {
    /// The query unit, as typed (analysed).
    pub unit: String,
    /// The word looked up (a synonym's or a code's own word where the alternative is one).
    pub word: String,
    /// The index key it matched.
    pub key: String,
    /// How: `exact`, `stem`, `folded`, `folded stem`, `derived`, `prefix`, `typo`, each
    /// optionally with `compound part`, and `synonym`, `joined compound` or `written apart` for
    /// the alternative.
    pub variant: String,
    /// Heading of the section (empty: the top of the page).
    pub section: String,
    /// Fields of that section or page where the key occurs: title, code, summary, keywords,
    /// heading, body.
    pub fields: Vec<&'static str>,
    /// `factor × idf × field weight` of the best posting of this entry on the page.
    pub score: f64,
}

/// A factor the page's whole score is multiplied by (see [`engine::facet_factors`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Factor {
    /// `named value`, `local page` or `hub page`.
    pub name: &'static str,
    pub factor: f64,
}

/// The factors page `p`'s score is multiplied by for what `query` names.
pub(super) fn factors(reader: &Reader<'_>, query: &Query, p: u32) -> Vec<Factor> {
    let (named, only_named) = engine::named_in(reader, query);
    engine::facet_factors(reader, &named, only_named, p)
        .into_iter()
        .flatten()
        .map(|(name, factor)| Factor { name, factor })
        .collect()
}

fn variant_of(w: &Word, e: &DecodedEntry) -> &'static str {
    if e.key == w.text {
        "exact"
    } else if !w.code && (e.stem == w.stem || e.stem == w.restem) {
        "stem"
    } else if e.fold == w.fold {
        "folded"
    } else if !w.code && e.stem_fold == analyse::fold(&w.stem) {
        "folded stem"
    } else if engine::derives(w, e) {
        "derived"
    } else {
        "prefix"
    }
}

/// What an alternative is, beside the unit's own words.
fn alt_kind(i: usize, a: &Alt) -> Option<&'static str> {
    if a.synonym {
        Some("synonym")
    } else if a.joined {
        Some("joined compound")
    } else if i > 0 && a.factor < 1.0 {
        Some("written apart")
    } else {
        None
    }
}

/// Where `key` occurs in section `s` of fragment `f`.
fn fields_of(f: &Fragment, s: usize, key: &str, part: bool) -> Vec<&'static str> {
    let has = |text: &str| {
        analyse::tokens(&analyse::nfc(text)).iter().any(|t| {
            t.text == key
                || analyse::fold(&t.text) == analyse::fold(key)
                || part && t.text.contains(key)
        })
    };
    let mut out = Vec::new();
    if s == 0 {
        for (name, text) in [
            ("title", &f.t),
            ("code", &f.c),
            ("summary", &f.s),
            ("keywords", &f.k),
        ] {
            if has(text) {
                out.push(name);
            }
        }
    }
    if let Some(d) = f.d.get(s) {
        if has(&d.1) {
            out.push("heading");
        }
        if has(&d.2) {
            out.push("body");
        }
    }
    out
}

/// Why page `p` ranks for `query`, best reasons first.
pub(super) fn explain(reader: &Reader<'_>, query: &Query, p: u32) -> Result<Vec<Match>, ReadError> {
    let levels = format::levels();
    let fragment = reader.fragment(p as usize)?;
    let mut out = Vec::new();
    for u in &query.units {
        let unit = engine::unit_label(u);
        for (i, a) in u.alts.iter().enumerate() {
            let kind = alt_kind(i, a);
            for w in &a.words {
                let mut entries = Vec::new();
                for n in engine::word_shards(reader, w) {
                    entries.push(reader.shard(n)?);
                }
                // As `engine::look_up`: the own forms share the lowest idf among them, and typos
                // count only when fewer than FUZZY_MIN pages match otherwise.
                let mut family_idf = f64::INFINITY;
                let mut pages = std::collections::BTreeSet::new();
                for e in entries.iter().flat_map(|s| s.iter()) {
                    let (f, own) = engine::factor(w, e);
                    if f > 0.0 {
                        pages.extend(e.postings.iter().map(|x| x.0));
                        if own && !e.part && e.idf < family_idf {
                            family_idf = e.idf;
                        }
                    }
                }
                let letters = w.text.chars().count();
                let fuzzy = !w.code && !w.exact && letters >= 5 && pages.len() < FUZZY_MIN;
                let max = if letters >= 9 { 2 } else { 1 };
                for e in entries.iter().flat_map(|s| s.iter()) {
                    let (mut f, own) = engine::factor(w, e);
                    let mut variant = variant_of(w, e);
                    let mut idf = if own && family_idf < e.idf {
                        family_idf
                    } else {
                        e.idf
                    };
                    if f <= 0.0 {
                        if !fuzzy || e.has_digit {
                            continue;
                        }
                        let d = super::typo::typo_distance(&w.fold, &e.fold, max);
                        if d > max {
                            continue;
                        }
                        f = if d <= 1 { FUZZY1 } else { FUZZY2 };
                        if e.part {
                            f *= PART;
                        }
                        variant = "typo";
                        idf = e.idf;
                    }
                    let best = e
                        .postings
                        .iter()
                        .filter(|x| x.0 == p)
                        .max_by(|x, y| levels[x.2.min(63)].total_cmp(&levels[y.2.min(63)]));
                    let Some(&(_, section, level)) = best else {
                        continue;
                    };
                    let mut v = variant.to_owned();
                    if e.part {
                        v.push_str(", compound part");
                    }
                    if let Some(k) = kind {
                        v = format!("{v}, {k}");
                    }
                    out.push(Match {
                        unit: unit.clone(),
                        word: w.text.clone(),
                        key: e.key.clone(),
                        variant: v,
                        section: fragment
                            .d
                            .get(section as usize)
                            .map(|d| d.1.clone())
                            .unwrap_or_default(),
                        fields: fields_of(&fragment, section as usize, &e.key, e.part),
                        score: f * idf * levels[level.min(63)],
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(out)
}
