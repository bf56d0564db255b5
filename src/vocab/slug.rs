//! The one slug rule, for file names, section folders, tags and heading anchors.
//!
//! lowercase; `æ`→`ae`, `ø`→`o`, `å`→`a`; other letters transliterated to ASCII; `§` dropped;
//! every run of anything else becomes a single `-`, with none at either end. The rule is part of
//! the URL contract (`urls.lock`), so it must never change behaviour for existing input.

use unicode_normalization::UnicodeNormalization;

/// Slug of `text` by the rule above. May be empty when `text` has no letters or digits.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    let mut push = |piece: &str, out: &mut String| {
        for c in piece.chars() {
            if c.is_ascii_alphanumeric() {
                if pending_dash && !out.is_empty() {
                    out.push('-');
                }
                pending_dash = false;
                out.push(c.to_ascii_lowercase());
            } else {
                pending_dash = true;
            }
        }
    };
    for c in text.nfc().flat_map(char::to_lowercase) {
        match c {
            'æ' => push("ae", &mut out),
            'ø' => push("o", &mut out),
            'å' => push("a", &mut out),
            '§' => {}
            c if c.is_ascii() => push(c.encode_utf8(&mut [0; 4]), &mut out),
            c if c.is_alphanumeric() => push(deunicode::deunicode_char(c).unwrap_or("-"), &mut out),
            _ => push("-", &mut out),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn norwegian_letters_follow_the_rule() {
        assert_eq!(slugify("Rådgivende lege"), "radgivende-lege");
        assert_eq!(slugify("Møtegodtgjørelse"), "motegodtgjorelse");
        assert_eq!(slugify("Ærlig Øvelse Åpen"), "aerlig-ovelse-apen");
        assert_eq!(slugify("Når brukes L8?"), "nar-brukes-l8");
    }

    #[test]
    fn paragraph_sign_is_dropped_and_numbers_kept() {
        assert_eq!(slugify("Sykepenger § 8-4"), "sykepenger-8-4");
        assert_eq!(slugify("§ 21-4"), "21-4");
        assert_eq!(slugify("NAV 08-07.04"), "nav-08-07-04");
    }

    #[test]
    fn other_letters_are_transliterated() {
        assert_eq!(slugify("Café Zürich"), "cafe-zurich");
        assert_eq!(slugify("Sámi giella"), "sami-giella");
    }

    #[test]
    fn decomposed_input_equals_composed() {
        assert_eq!(slugify("a\u{30a}pen"), slugify("åpen"));
    }

    #[test]
    fn traversal_and_punctuation_collapse() {
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("  --Hei!!  du--  "), "hei-du");
        assert_eq!(slugify("<script>"), "script");
        assert_eq!(slugify("!!!"), "");
    }

    proptest! {
        #[test]
        fn slug_is_idempotent_ascii_and_tidy(s in "\\PC{0,40}") {
            let slug = slugify(&s);
            prop_assert_eq!(slugify(&slug), slug.clone());
            prop_assert!(slug.is_ascii());
            prop_assert!(slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'));
            prop_assert!(!slug.contains("--"));
        }
    }
}
