//! Escaping for text the site writes into HTML attributes and inline `<script>` JSON.

/// Escapes text for an HTML attribute value in double quotes.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).expect("writing to a String cannot fail");
    out
}

/// JSON with every `<` written as `\u003c`: the same data for every JSON reader, and safe to
/// inline in a `<script>` element (no `</script>` or `<!--` can end or bend it). `<` only ever
/// occurs inside JSON strings, so the replacement cannot touch the structure.
pub fn html_safe_json(json: Vec<u8>) -> Vec<u8> {
    if !json.contains(&b'<') {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 16);
    for b in json {
        if b == b'<' {
            out.extend_from_slice(b"\\u003c");
        } else {
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_json_cannot_end_a_script_it_is_inlined_in() {
        let json = serde_json::to_vec(&serde_json::json!({"t": "</script><!--"})).unwrap();
        let safe = html_safe_json(json);
        assert_eq!(safe, br#"{"t":"\u003c/script>\u003c!--"}"#);
        let back: serde_json::Value = serde_json::from_slice(&safe).unwrap();
        assert_eq!(back["t"], "</script><!--");
    }

    #[test]
    fn attribute_text_cannot_close_its_quotes_or_open_a_tag() {
        assert_eq!(
            escape_attr(r#"a "b" <c> & d"#),
            "a &quot;b&quot; &lt;c&gt; &amp; d"
        );
    }
}
