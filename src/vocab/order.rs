//! Norwegian ordering of titles: `æ`, `ø`, `å` after `z`, accents ignored, numbers before letters
//! and in numeric order (`L4` before `L40`).
//!
//! Hand-written because the one crate that does real collation (ICU4X `icu_collator`) brings
//! megabytes of locale data for what is, for bokmål titles, a three-letter rule.

use std::cmp::Ordering;

/// Sort key of `s`: comparable with `Ord`, equal for strings that differ only in case or accents.
/// Leading quotes and punctuation are ignored, so «Arbeidspuls» sorts under A, where the A–Å list
/// files it.
pub fn collation_key(s: &str) -> Vec<u32> {
    let s = s.trim_start_matches(|c: char| !c.is_alphanumeric());
    let mut key = Vec::with_capacity(s.len());
    let mut chars = s.chars().flat_map(char::to_lowercase).peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => {
                // A run of digits sorts as one number: a marker below every letter, then its value.
                let mut n = c.to_digit(10).unwrap_or(0);
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(d);
                    chars.next();
                }
                key.push('0' as u32);
                key.push(n);
            }
            'a'..='z' => key.push(c as u32),
            'æ' | 'ä' => key.push('z' as u32 + 1),
            'ø' | 'ö' => key.push('z' as u32 + 2),
            'å' => key.push('z' as u32 + 3),
            c if c.is_alphanumeric() => {
                for d in deunicode::deunicode_char(c)
                    .unwrap_or("")
                    .chars()
                    .flat_map(char::to_lowercase)
                {
                    if d.is_ascii_alphanumeric() {
                        key.push(d as u32);
                    }
                }
            }
            _ => key.push(' ' as u32),
        }
    }
    key
}

/// Compares two titles in Norwegian order, falling back to the exact text so the order is total.
pub fn compare(a: &str, b: &str) -> Ordering {
    collation_key(a)
        .cmp(&collation_key(b))
        .then_with(|| a.cmp(b))
}

/// Sort key of a title: ordered as [`compare`] orders titles.
pub fn sort_key(title: &str) -> (Vec<u32>, String) {
    (collation_key(title), title.to_owned())
}

/// Each title's place in the order of [`compare`], equal titles sharing one: sorting pages by
/// their place is sorting them by title, with one collation key per page for the whole site
/// instead of one per page per list it appears in.
pub fn title_ranks(titles: &[&str]) -> Vec<u32> {
    use rayon::prelude::*;
    let keys: Vec<Vec<u32>> = titles.par_iter().map(|t| collation_key(t)).collect();
    let mut order: Vec<usize> = (0..titles.len()).collect();
    order.par_sort_unstable_by(|&a, &b| {
        keys[a].cmp(&keys[b]).then_with(|| titles[a].cmp(titles[b]))
    });
    let mut ranks = vec![0u32; titles.len()];
    let mut rank = 0u32;
    for (n, pair) in order.iter().enumerate() {
        if n > 0 {
            let prev = order[n - 1];
            if keys[prev] != keys[*pair] || titles[prev] != titles[*pair] {
                rank += 1;
            }
        }
        ranks[*pair] = rank;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_ranks_order_as_compare_and_share_ties() {
        let titles = [
            "Øya",
            "avtale",
            "Avtale",
            "10 pasienter",
            "2 pasienter",
            "«Avtale»",
            "Åsen",
            "Avtale",
            "zebra",
            "",
        ];
        let ranks = title_ranks(&titles);
        for (i, a) in titles.iter().enumerate() {
            for (j, b) in titles.iter().enumerate() {
                assert_eq!(ranks[i].cmp(&ranks[j]), compare(a, b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn leading_quotes_do_not_move_a_title_to_the_front() {
        let mut words = vec!["Bok", "«Arbeidspuls»", "Avtale", "(Ny) ordning"];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(words, ["«Arbeidspuls»", "Avtale", "Bok", "(Ny) ordning"]);
    }

    #[test]
    fn norwegian_letters_sort_after_z() {
        let mut words = vec![
            "Åpen", "Ørsta", "Zebra", "Ærlig", "abc", "Ålesund", "avtale",
        ];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(
            words,
            [
                "abc", "avtale", "Zebra", "Ærlig", "Ørsta", "Ålesund", "Åpen"
            ]
        );
    }

    #[test]
    fn sorting_by_title_rank_agrees_with_compare() {
        let mut a = vec!["Åpen", "L40", "abc", "L4", "Abc", "Café", "cafe", "Ørsta"];
        let ranks = title_ranks(&a);
        let mut b: Vec<usize> = (0..a.len()).collect();
        b.sort_by_key(|&i| ranks[i]);
        let b: Vec<&str> = b.into_iter().map(|i| a[i]).collect();
        a.sort_by(|x, y| compare(x, y));
        assert_eq!(a, b);
    }

    #[test]
    fn case_and_accents_do_not_separate_words() {
        assert_eq!(collation_key("Café"), collation_key("cafe"));
        let mut v = vec!["L40", "L1", "L8", "L4"];
        v.sort_by(|a, b| compare(a, b));
        assert_eq!(v, ["L1", "L4", "L8", "L40"]);
    }
}
