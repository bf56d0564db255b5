//! The typo distance shared by the ranking ([`super::engine`]), the specificity check
//! ([`super::specific`]) and `--explain`: two words in, their edit distance out. It lives below
//! all three so that `engine` and `specific` do not import each other.
//! `search-engine.js` has the same function (`typoDistance`).

/// Optimal string alignment distance, stopping early above `max`.
pub fn typo_distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return max + 1;
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_distance_counts_transpositions_once() {
        assert_eq!(typo_distance("fysioterapeut", "fysoterapeut", 2), 1);
        assert_eq!(typo_distance("legeerklaering", "legeerklaernig", 2), 1);
        assert_eq!(typo_distance("abc", "abcdef", 2), 3);
        assert_eq!(typo_distance("sykmelding", "sykemelding", 1), 1);
    }
}
