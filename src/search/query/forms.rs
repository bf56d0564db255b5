//! Query forms: the pieces of a parsed query rewritten before synonyms apply — codes as people
//! type them ([`normalise_codes`]) and neighbouring words as one compound ([`join_compounds`]).
//!
//! In and out: [`Piece`]s of [`super::parse`] (a submodule of `query`: it rewrites the query's
//! own types). Every rewrite adds alternatives and keeps
//! what was typed, so nothing is lost when the rewritten form is not in the index.
//! `search-engine.js` mirrors both functions.

use super::super::analyse;
use super::{APART_FACTOR, Alt, JOIN_MIN_CHARS, JOINED_FACTOR, Piece, Unit, Word};

/// The one word of a piece that is a single unquoted word.
fn single(p: &Piece) -> Option<&Word> {
    match (&p.unit.alts[..], &p.unit.phrase) {
        ([alt], None) if alt.words.len() == 1 && !p.stems.is_empty() => Some(&alt.words[0]),
        _ => None,
    }
}

/// `text` is `n` to `m` ASCII digits.
fn digits(text: &str, n: usize, m: usize) -> bool {
    (n..=m).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The canonical form of a six-digit form number written `08 07 04`, `08-07-04`, `08.07.04` or
/// `080704`: `08-07.04`, as Nav writes it.
fn form_number(parts: &[&str]) -> Option<String> {
    let all: String = parts.concat();
    let ok = match parts {
        [one] => {
            let d: String = one.chars().filter(char::is_ascii_digit).collect();
            let seps_ok = one
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.'));
            (d.len() == 6 && seps_ok).then_some(d)
        }
        [_, _, _] if parts.iter().all(|p| digits(p, 2, 2)) => Some(all),
        _ => None,
    };
    ok.map(|d| format!("{}-{}.{}", &d[0..2], &d[2..4], &d[4..6]))
        .filter(|f| parts.len() > 1 || f.as_str() != parts[0])
}

fn code_piece(code: &str, apart: Vec<Word>) -> Piece {
    Piece {
        stems: vec![code.to_owned()],
        unit: Unit {
            alts: vec![
                Alt {
                    words: vec![Word::new(code, true, false, false)],
                    factor: 1.0,
                    synonym: false,
                    joined: false,
                },
                Alt {
                    words: apart,
                    factor: APART_FACTOR,
                    synonym: false,
                    joined: false,
                },
            ],
            weight: 1.0,
            stop: false,
            phrase: None,
        },
    }
}

/// Codes as people type them → the form the site writes: a letter or two and a number written
/// apart (`L 40` → `l40`), a form number in any spelling (`08 07 04` → `08-07.04`), a word glued
/// to its number (`takst14` → also `takst` `14`). The written words stay a weaker alternative,
/// so nothing is lost when the code does not exist.
pub(super) fn normalise_codes(pieces: &[Piece]) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    let mut i = 0;
    while i < pieces.len() {
        let w = |k: usize| pieces.get(k).and_then(single);
        if let (Some(a), Some(b), Some(c)) = (w(i), w(i + 1), w(i + 2))
            && let Some(code) = form_number(&[&a.text, &b.text, &c.text])
        {
            out.push(code_piece(&code, vec![a.clone(), b.clone(), c.clone()]));
            i += 3;
            continue;
        }
        if let (Some(a), Some(b)) = (w(i), w(i + 1))
            && !a.code
            && (1..=2).contains(&a.text.chars().count())
            && !analyse::is_query_stop(&a.text)
            && digits(&b.text, 1, 3)
        {
            out.push(code_piece(
                &format!("{}{}", a.text, b.text),
                vec![a.clone(), b.clone()],
            ));
            i += 2;
            continue;
        }
        if let Some(a) = w(i)
            && a.code
        {
            if let Some(code) = form_number(&[&a.text]) {
                out.push(code_piece(&code, vec![a.clone()]));
                i += 1;
                continue;
            }
            let split = a.text.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
            let (head, tail) = a.text.split_at(split);
            if head.chars().count() >= 3
                && head.chars().all(char::is_alphabetic)
                && digits(tail, 1, 3)
            {
                let mut p = pieces[i].clone_piece();
                p.stems = vec![analyse::stem(head), tail.to_owned()];
                p.unit.alts.push(Alt {
                    words: vec![
                        Word::new(head, false, false, false),
                        Word::new(tail, true, false, false),
                    ],
                    factor: 1.0,
                    synonym: false,
                    joined: false,
                });
                out.push(p);
                i += 1;
                continue;
            }
        }
        out.push(pieces[i].clone_piece());
        i += 1;
    }
    out
}

/// Two neighbouring content words also match their compound (`dialog møte` → `dialogmøte`,
/// `lege vakt` → `legevakt`): each of the two units gets the joined word as an alternative.
pub(super) fn join_compounds(pieces: &mut [Piece]) {
    let joinable = |w: &Word| {
        !w.code
            && !w.exact
            && w.text.chars().count() >= JOIN_MIN_CHARS
            && w.text.chars().all(char::is_alphabetic)
            && !analyse::is_query_stop(&w.text)
    };
    let mut joined = Vec::new();
    for k in 1..pieces.len() {
        if let (Some(a), Some(b)) = (single(&pieces[k - 1]), single(&pieces[k]))
            && joinable(a)
            && joinable(b)
        {
            joined.push((k, format!("{}{}", a.text, b.text)));
        }
    }
    for (k, text) in joined {
        for p in [k - 1, k] {
            pieces[p].unit.alts.push(Alt {
                words: vec![Word::new(&text, false, false, false)],
                factor: JOINED_FACTOR,
                synonym: false,
                joined: true,
            });
        }
    }
}

impl Piece {
    pub(crate) fn clone_piece(&self) -> Piece {
        Piece {
            unit: self.unit.clone(),
            stems: self.stems.clone(),
        }
    }
}
