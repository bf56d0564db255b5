//! A query string → [`Query`]: units that must all match (AND), each a set of alternatives.
//!
//! - Words go through the same analyser as the index. The last word is a prefix unless the query
//!   ends in a space (the reader has finished typing it).
//! - A hyphenated group (`syfo-veileder`) is one unit: its pieces together, or the joined form.
//! - `"quoted words"` are a phrase: exact forms only, checked for adjacency on the fragments.
//! - `synonyms.yaml`: a run of words whose stems match a term of an equivalence group (or an
//!   abbreviation) becomes one unit whose alternatives are the run itself and the other terms.
//! - A unit of one stop word or question word (`analyse::is_query_stop`: `hvordan`, `får`, `lov`,
//!   `paragraf` …) weighs [`STOP_WEIGHT`] and is optional unless every unit is one.
//! - Codes as people write them (`forms::normalise_codes`): `L 40` and `l-40` → `l40`, `takst14` →
//!   `takst 14` too, `08 07 04` and `08-07-04` → `08-07.04`. The written form stays an alternative.
//! - Two neighbouring content words also match as one compound (`forms::join_compounds`):
//!   `dialog møte` finds `dialogmøte` (the index finds compounds by their parts the other way).

use super::analyse::{self, Token};
use super::synonyms::Synonyms;

mod forms;

/// Weight of a stop-word unit.
pub const STOP_WEIGHT: f64 = 0.2;
/// Factor of an alternative that comes from `synonyms.yaml`.
pub const SYNONYM_FACTOR: f64 = 0.6;
/// Factor of a code's letters and digits as written apart (`l` + `40` for `L 40`).
pub const APART_FACTOR: f64 = 0.5;
/// Factor of two neighbouring words joined into one compound (`dialog møte` → `dialogmøte`).
pub const JOINED_FACTOR: f64 = 1.0;
/// Shortest word (in characters) joined into a compound with its neighbour.
pub const JOIN_MIN_CHARS: usize = 3;

/// One word to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub fold: String,
    pub stem: String,
    /// The stem of the stem. Snowball strips one suffix, so `todagerskurset` stems to
    /// `todagerskurs` while the title's `todagerskurs` stems to `todagerskur`; an entry whose
    /// stem is this one is also one of the word's forms.
    pub restem: String,
    pub code: bool,
    /// Matches longer words starting with it (the word being typed).
    pub prefix: bool,
    /// Exact form only (inside a quoted phrase, and synonym expansions of codes).
    pub exact: bool,
}

impl Word {
    pub(crate) fn new(text: &str, code: bool, prefix: bool, exact: bool) -> Word {
        let stem = analyse::stem(text);
        Word {
            text: text.to_owned(),
            fold: analyse::fold(text),
            restem: analyse::stem(&stem),
            stem,
            code,
            prefix,
            exact,
        }
    }
}

/// Words that must all be in a page, with a factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Alt {
    pub words: Vec<Word>,
    pub factor: f64,
    /// From `synonyms.yaml`: its words' idf is capped at the original words' (see `engine`).
    pub synonym: bool,
    /// Two neighbouring words joined (`forms::join_compounds`): looked up only where the
    /// query's other words already take the browser (`engine::affordable`).
    pub joined: bool,
}

/// One thing the query asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub alts: Vec<Alt>,
    pub weight: f64,
    pub stop: bool,
    /// The exact word sequence a quoted phrase must have in the text.
    pub phrase: Option<Vec<String>>,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub units: Vec<Unit>,
    /// The whole query as a whole-value key (`index::whole_key`): an optional bonus for the page
    /// whose title, code or keyword is exactly what was typed.
    pub whole: Option<Word>,
    /// The same key of the query's content words alone, when it has question or function words
    /// (`hva skjer i et dialogmøte` → the page titled `Dialogmøter`).
    pub whole_content: Option<Word>,
    /// The folded stems of every word typed, space-separated with a space at each end
    /// (` sandefjord besok legekontor `), then ` | ` and the words of each synonym alternative:
    /// filter values named in the query are found in it.
    pub folded: String,
    /// Nothing but spaces (and quotes) was typed: the query lists every page (to be narrowed by
    /// filters). Text that only held what is never indexed (`***`, a 70-letter run) is not
    /// blank: it matches nothing.
    pub blank: bool,
}

/// Synonyms prepared for matching: per term, its stems and what it expands to.
#[derive(Debug, Clone, Default)]
pub struct SynonymTable {
    rules: Vec<(Vec<String>, Vec<Vec<Token>>)>,
}

fn base_tokens(text: &str) -> Vec<Token> {
    analyse::tokens(&analyse::nfc(text))
        .into_iter()
        .filter(|t| !t.joined)
        .collect()
}

/// The words of a term that a synonym expands to, without its stop and question words when it
/// has others: `arbeids- og velferdsetaten` for `nav` must not score pages for holding `og`.
fn expansion(term: &[Token]) -> Vec<Token> {
    let content: Vec<Token> = term
        .iter()
        .filter(|t| !analyse::is_query_stop(&t.text))
        .cloned()
        .collect();
    if content.is_empty() {
        term.to_vec()
    } else {
        content
    }
}

impl SynonymTable {
    /// Prepares `syn`; longer terms are tried first.
    pub fn new(syn: &Synonyms) -> SynonymTable {
        let stems = |toks: &[Token]| toks.iter().map(|t| analyse::stem(&t.text)).collect();
        let mut rules: Vec<(Vec<String>, Vec<Vec<Token>>)> = Vec::new();
        for group in &syn.equivalents {
            let terms: Vec<Vec<Token>> = group.iter().map(|t| base_tokens(t)).collect();
            for (i, term) in terms.iter().enumerate() {
                let s: Vec<String> = stems(term);
                let others = terms
                    .iter()
                    .enumerate()
                    .filter(|(j, t)| *j != i && stems(t) != s)
                    .map(|(_, t)| expansion(t))
                    .collect();
                rules.push((s, others));
            }
        }
        for (short, expansions) in &syn.abbreviations {
            rules.push((
                stems(&base_tokens(short)),
                expansions
                    .iter()
                    .map(|e| expansion(&base_tokens(e)))
                    .collect(),
            ));
        }
        // Stable: longest first, then file order.
        rules.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
        SynonymTable { rules }
    }
}

/// A unit before synonyms are applied.
pub struct Piece {
    pub(crate) unit: Unit,
    /// Stems of the unit's own words (for synonym matching); empty for phrases.
    pub(crate) stems: Vec<String>,
}

/// Parses `text`: quoted phrases and words (a hyphenated group with its joined form) become
/// pieces, codes are normalised and compounds joined (`forms`), the word being typed becomes
/// a prefix, synonyms expand the pieces into units; then the whole-value keys and the folded
/// text the facet values are named in.
pub fn parse(text: &str, synonyms: &SynonymTable) -> Query {
    let text = analyse::nfc(text);
    let ends_open = !text.ends_with(char::is_whitespace) && !text.ends_with('"');
    let mut pieces: Vec<Piece> = Vec::new();
    for (i, segment) in text.split('"').enumerate() {
        if i % 2 == 1 {
            pieces.extend(quoted_piece(segment));
        } else {
            pieces.extend(word_pieces(segment));
        }
    }
    let mut pieces = forms::normalise_codes(&pieces);
    forms::join_compounds(&mut pieces);
    // The word being typed is a prefix.
    if ends_open
        && !text.trim_end().ends_with('"')
        && text.matches('"').count().is_multiple_of(2)
        && let Some(last) = pieces.last_mut()
        && last.unit.phrase.is_none()
    {
        for alt in &mut last.unit.alts {
            if let Some(w) = alt.words.last_mut() {
                w.prefix = true;
            }
        }
    }
    let mut units = apply_synonyms(&pieces, synonyms);
    if units.iter().all(|u| u.stop) {
        for u in &mut units {
            u.stop = false;
            u.weight = 1.0;
        }
    }
    let plain = text.replace('"', " ");
    let (whole, whole_content) = whole_words(&plain);
    let folded = folded_text(&plain, &units);
    Query {
        units,
        whole,
        whole_content,
        folded,
        blank: plain.trim().is_empty(),
    }
}

/// A quoted segment: one exact unit, a phrase when it has several words; none when empty.
fn quoted_piece(segment: &str) -> Option<Piece> {
    let toks = base_tokens(segment);
    if toks.is_empty() {
        return None;
    }
    let words: Vec<Word> = toks
        .iter()
        .map(|t| Word::new(&t.text, t.code, false, true))
        .collect();
    let phrase = (words.len() > 1).then(|| words.iter().map(|w| w.text.clone()).collect());
    Some(Piece {
        unit: Unit {
            alts: vec![Alt {
                words,
                factor: 1.0,
                synonym: false,
                joined: false,
            }],
            weight: 1.0,
            stop: false,
            phrase,
        },
        stems: Vec::new(),
    })
}

/// An unquoted segment: one piece per word, a hyphenated group as one piece whose second
/// alternative is the joined form; a lone query stop word weighs [`STOP_WEIGHT`].
fn word_pieces(segment: &str) -> Vec<Piece> {
    let toks = analyse::tokens(segment);
    let mut pieces = Vec::new();
    let mut j = 0;
    while j < toks.len() {
        // A hyphenated group: its pieces, followed by the joined form.
        let group_end = toks[j..]
            .iter()
            .position(|t| t.joined)
            .map(|k| j + k)
            .filter(|&k| toks[j..k].iter().all(|t| t.start >= toks[k].start));
        let (members, next) = match group_end {
            Some(k) => (&toks[j..k], k + 1),
            None => (&toks[j..=j], j + 1),
        };
        let alt = |words: Vec<Word>| Alt {
            words,
            factor: 1.0,
            synonym: false,
            joined: false,
        };
        let mut alts = vec![alt(members
            .iter()
            .map(|t| Word::new(&t.text, t.code, false, false))
            .collect())];
        if let Some(k) = group_end {
            alts.push(alt(vec![Word::new(
                &toks[k].text,
                toks[k].code,
                false,
                false,
            )]));
        }
        let stop = members.len() == 1 && analyse::is_query_stop(&members[0].text);
        pieces.push(Piece {
            stems: members.iter().map(|t| analyse::stem(&t.text)).collect(),
            unit: Unit {
                alts,
                weight: if stop { STOP_WEIGHT } else { 1.0 },
                stop,
                phrase: None,
            },
        });
        j = next;
    }
    pieces
}

/// The whole-value keys of the query without quotes (see [`Query::whole`]): of all its words,
/// and of its content words when it has stop words too.
fn whole_words(plain: &str) -> (Option<Word>, Option<Word>) {
    let whole_word = |k: String| Word {
        fold: analyse::fold(&k),
        stem: k.clone(),
        restem: k.clone(),
        text: k,
        code: true,
        prefix: false,
        exact: true,
    };
    let whole = super::index::whole_key(plain).map(whole_word);
    let toks = base_tokens(plain);
    let content: Vec<&str> = toks
        .iter()
        .filter(|t| !analyse::is_query_stop(&t.text))
        .map(|t| t.text.as_str())
        .collect();
    let whole_content = (!content.is_empty() && content.len() < toks.len())
        .then(|| super::index::whole_key(&content.join(" ")))
        .flatten()
        .map(whole_word);
    (whole, whole_content)
}

/// The folded stems of the query's words, then of each synonym alternative after a `|`
/// (synonyms name values too: `YSS` → `ytre søre sunnmøre`; `|` keeps them apart).
fn folded_text(plain: &str, units: &[Unit]) -> String {
    let mut folded = String::from(" ");
    for t in base_tokens(plain) {
        folded.push_str(&analyse::fold(&analyse::stem(&t.text)));
        folded.push(' ');
    }
    for a in units.iter().flat_map(|u| &u.alts).filter(|a| a.synonym) {
        folded.push_str("| ");
        for w in &a.words {
            folded.push_str(&analyse::fold(&w.stem));
            folded.push(' ');
        }
    }
    folded
}

fn apply_synonyms(pieces: &[Piece], table: &SynonymTable) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let mut matched = None;
        'rules: for (stems, expansions) in &table.rules {
            if stems.is_empty() {
                continue;
            }
            // The rule's stems must be exactly the stems of whole pieces from i on.
            let mut at = 0;
            let mut k = i;
            while at < stems.len() {
                let Some(p) = pieces.get(k) else {
                    continue 'rules;
                };
                let n = p.stems.len();
                if n == 0 || p.unit.phrase.is_some() || stems.get(at..at + n) != Some(&p.stems[..])
                {
                    continue 'rules;
                }
                at += n;
                k += 1;
            }
            matched = Some((k, expansions));
            break;
        }
        if let Some((end, expansions)) = matched {
            let mut alts: Vec<Alt>;
            if end == i + 1 {
                alts = pieces[i].unit.alts.clone();
            } else {
                alts = vec![Alt {
                    words: pieces[i..end]
                        .iter()
                        .flat_map(|p| p.unit.alts[0].words.clone())
                        .collect(),
                    factor: 1.0,
                    synonym: false,
                    joined: false,
                }];
            }
            for e in expansions {
                alts.push(Alt {
                    words: e
                        .iter()
                        .map(|t| Word::new(&t.text, t.code, false, false))
                        .collect(),
                    factor: SYNONYM_FACTOR,
                    synonym: true,
                    joined: false,
                });
            }
            units.push(Unit {
                alts,
                weight: 1.0,
                stop: false,
                phrase: None,
            });
            i = end;
        } else {
            units.push(pieces[i].unit.clone());
            i += 1;
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(u: &Unit) -> Vec<Vec<&str>> {
        u.alts
            .iter()
            .map(|a| a.words.iter().map(|w| w.text.as_str()).collect())
            .collect()
    }

    fn table() -> SynonymTable {
        let (syn, _) = Synonyms::parse(
            "equivalents:\n  - [takst 14, møtegodtgjørelse]\nabbreviations:\n  rl: [rådgivende lege]\n",
        );
        SynonymTable::new(&syn)
    }

    #[test]
    fn the_last_word_is_a_prefix_until_a_space_follows() {
        let q = parse("takst L", &SynonymTable::default());
        assert!(!q.units[0].alts[0].words[0].prefix);
        assert!(q.units[1].alts[0].words[0].prefix);
        let q = parse("takst L ", &SynonymTable::default());
        assert!(!q.units[1].alts[0].words[0].prefix);
    }

    #[test]
    fn hyphenated_groups_are_one_unit_with_the_joined_form() {
        let q = parse("syfo-veileder ", &SynonymTable::default());
        assert_eq!(q.units.len(), 1);
        assert_eq!(
            words(&q.units[0]),
            [vec!["syfo", "veileder"], vec!["syfoveileder"]]
        );
    }

    #[test]
    fn phrases_are_exact_and_stop_words_optional() {
        let q = parse("\"rett til\" i Bodø", &SynonymTable::default());
        assert_eq!(
            q.units[0].phrase.as_deref(),
            Some(&["rett".to_owned(), "til".to_owned()][..])
        );
        assert!(q.units[0].alts[0].words.iter().all(|w| w.exact));
        assert!(q.units[1].stop && q.units[1].weight < 1.0);
        // Only stop words: all count.
        let q = parse("til og med ", &SynonymTable::default());
        assert!(
            q.units
                .iter()
                .all(|u| !u.stop && (u.weight - 1.0).abs() < 1e-12)
        );
    }

    #[test]
    fn regression_nav_expanded_to_og_and_scored_pages_for_holding_it() {
        // `nav` → `arbeids- og velferdsetaten`: the expansion must not ask for (and score) `og`.
        let (syn, _) = Synonyms::parse(
            "equivalents:\n  - [nav, arbeids- og velferdsetaten]\n  - [i, inni]\nabbreviations:\n  rl: [lege i nav]\n",
        );
        let table = SynonymTable::new(&syn);
        let q = parse("nav ", &table);
        assert_eq!(
            words(&q.units[0]),
            [vec!["nav"], vec!["arbeids", "velferdsetaten"]]
        );
        let q = parse("rl ", &table);
        assert_eq!(words(&q.units[0]), [vec!["rl"], vec!["lege", "nav"]]);
        // A term of stop words only keeps them: there is nothing else to look for.
        let q = parse("inni ", &table);
        assert_eq!(words(&q.units[0]), [vec!["inni"], vec!["i"]]);
    }

    #[test]
    fn synonyms_add_alternatives_over_whole_words() {
        let q = parse("RL innlandet", &table());
        assert_eq!(words(&q.units[0]), [vec!["rl"], vec!["rådgivende", "lege"]]);
        let q = parse("takst 14 ", &table());
        assert_eq!(q.units.len(), 1);
        assert_eq!(
            words(&q.units[0]),
            [vec!["takst", "14"], vec!["møtegodtgjørelse"]]
        );
        // A word still being typed keeps its prefix in the original alternative.
        let q = parse("takst 14", &table());
        assert_eq!(q.units.len(), 1);
        assert!(q.units[0].alts[0].words[1].prefix);
    }

    fn alts(q: &Query) -> Vec<Vec<Vec<&str>>> {
        q.units.iter().map(words).collect()
    }

    #[test]
    fn question_words_are_optional_and_content_words_required() {
        let q = parse(
            "hvordan får jeg betalt for dialogmøte ",
            &SynonymTable::default(),
        );
        let required: Vec<&str> = q
            .units
            .iter()
            .filter(|u| !u.stop)
            .map(|u| u.alts[0].words[0].text.as_str())
            .collect();
        assert_eq!(required, ["betalt", "dialogmøte"]);
        // A query of question words alone still searches for them.
        let q = parse("hvordan får ", &SynonymTable::default());
        assert!(q.units.iter().all(|u| !u.stop));
    }

    #[test]
    fn codes_written_apart_become_the_code_with_the_written_words_weaker() {
        let q = parse("L 40 ", &SynonymTable::default());
        assert_eq!(alts(&q), [vec![vec!["l40"], vec!["l", "40"]]]);
        assert!(q.units[0].alts[0].words[0].code);
        assert!((q.units[0].alts[1].factor - APART_FACTOR).abs() < 1e-12);
        // Stop words are not code letters: `i 40` stays two words.
        assert_eq!(parse("i 40 ", &SynonymTable::default()).units.len(), 2);
        // A word glued to its number is also the two words (and so meets `takst 14`).
        let q = parse("takst14 ", &table());
        assert_eq!(
            words(&q.units[0])[..2],
            [vec!["takst14"], vec!["takst", "14"]]
        );
        assert!(words(&q.units[0]).contains(&vec!["møtegodtgjørelse"]));
        // `l8` and `dm1` stay whole (two letters or fewer before the number).
        assert_eq!(
            alts(&parse("l8 ", &SynonymTable::default())),
            [vec![vec!["l8"]]]
        );
    }

    #[test]
    fn form_numbers_in_any_spelling_become_nav_s_form() {
        for typed in ["08 07 04 ", "08-07-04 ", "08.07.04 ", "080704 "] {
            let q = parse(typed, &SynonymTable::default());
            assert_eq!(q.units.len(), 1, "{typed}");
            assert_eq!(q.units[0].alts[0].words[0].text, "08-07.04", "{typed}");
        }
        // Already in Nav's form: left alone.
        let q = parse("08-07.04 ", &SynonymTable::default());
        assert_eq!(alts(&q), [vec![vec!["08-07.04"]]]);
    }

    #[test]
    fn neighbouring_words_also_match_their_compound() {
        let q = parse("dialog møte ", &SynonymTable::default());
        assert_eq!(
            alts(&q),
            [
                vec![vec!["dialog"], vec!["dialogmøte"]],
                vec![vec!["møte"], vec!["dialogmøte"]]
            ]
        );
        // Not across stop words, codes or short words.
        let q = parse("søke på jobb L8 ", &SynonymTable::default());
        assert!(q.units.iter().all(|u| u.alts.len() == 1));
    }

    #[test]
    fn paragraph_words_are_optional_beside_the_reference() {
        let q = parse("paragraf 8-4 ", &SynonymTable::default());
        assert!(q.units[0].stop);
        assert_eq!(q.units[1].alts[0].words[0].text, "8-4");
    }

    #[test]
    fn folded_lists_every_word_for_filter_values() {
        let q = parse("Sandefjord besøk legekontor", &SynonymTable::default());
        assert!(q.folded.contains(" sandefjord "));
        assert!(q.folded.starts_with(' ') && q.folded.ends_with(' '));
    }

    #[test]
    fn the_whole_value_key_also_comes_without_question_words() {
        let q = parse("hva skjer i et dialogmøte", &SynonymTable::default());
        assert_eq!(q.whole_content.unwrap().text, "=dialogmot");
        // Nothing to leave out: no second key.
        assert!(
            parse("rådgivende lege", &SynonymTable::default())
                .whole_content
                .is_none()
        );
    }
}
