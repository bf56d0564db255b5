//! ```` ```chart ```` blocks → an inline, accessible SVG bar chart and a data table.
//!
//! The chart is drawn at build time, so it needs no JavaScript and prints. The SVG has
//! `role="img"` with `<title>` and a `<desc>` that reads out every value; the same numbers are
//! in a table under a `<details>` for anyone who prefers (or needs) them as text.

use std::fmt::Write as _;

use serde::Deserialize;

use crate::error::{Diagnostic, Position};
use crate::page::fields::format_number;
use crate::vocab::escape_attr;
use crate::yaml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartSpec {
    title: String,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    source: Option<String>,
    data: Vec<Bar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bar {
    label: String,
    value: f64,
}

/// View-box width: narrow enough that labels stay legible when a phone scales the chart down,
/// wide enough for a 60-character label at 13 units.
const WIDTH: f64 = 440.0;
const ROW: f64 = 46.0;
const BAR: f64 = 18.0;
const VALUE_ROOM: f64 = 64.0;

/// One ```` ```chart ```` block of a page: its YAML, its number on the page (for element ids) and
/// where the YAML starts in the file.
pub(super) struct Block<'a> {
    pub(super) yaml: &'a str,
    pub(super) n: usize,
    pub(super) at: Position,
}

/// Renders a chart block of `file` (whose whole text is `text`). On a bad spec, reports it and
/// renders a visible notice.
pub(super) fn render(
    block: &Block<'_>,
    file: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let Block {
        yaml: yaml_text,
        n,
        at: yaml_pos,
    } = *block;
    let spec: ChartSpec = match serde_yaml::from_str(yaml_text) {
        Ok(s) => s,
        Err(e) => {
            let mut d = yaml::error_to_diagnostic(file, text, yaml_text, &e, yaml_pos.line - 1);
            d.code = "chart";
            d.message = format!("chart block: {}", d.message);
            diags.push(d.with_hint(
                "a chart needs `title:` and `data:` with `- { label: …, value: … }` items",
            ));
            return "<p class=\"chart-error\">[Diagrammet kunne ikke tegnes]</p>".to_owned();
        }
    };
    let problem = if spec.data.is_empty() {
        Some("chart block has no data")
    } else if spec
        .data
        .iter()
        .any(|b| !b.value.is_finite() || b.value < 0.0)
    {
        Some("chart values must be zero or positive numbers")
    } else {
        None
    };
    if let Some(p) = problem {
        diags.push(Diagnostic::error(file, yaml_pos, "chart", p).with_source(text, 1));
        return "<p class=\"chart-error\">[Diagrammet kunne ikke tegnes]</p>".to_owned();
    }
    let largest = spec.data.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let max = spec
        .max
        .filter(|m| *m >= largest && *m > 0.0)
        .unwrap_or(largest)
        .max(f64::MIN_POSITIVE);
    let unit = spec.unit.as_deref().unwrap_or("");
    let fmt = |v: f64| {
        let num = format_number(v);
        match unit {
            "" => num,
            "%" => format!("{num}\u{a0}%"),
            u => format!("{num}\u{a0}{u}"),
        }
    };
    let title = escape_attr(&spec.title);
    let desc = spec
        .data
        .iter()
        .map(|b| format!("{}: {}", b.label, fmt(b.value)))
        .collect::<Vec<_>>()
        .join("; ");
    let height = ROW * spec.data.len() as f64 + 8.0;
    let mut svg = String::new();
    // The caption comes first: HTML allows a figcaption only as the first or last child, and the
    // data table goes last.
    let _ = write!(
        svg,
        "<figure class=\"chart\" id=\"diagram-{n}\"><figcaption><span class=\"chart-title\">{title}</span>"
    );
    if let Some(src) = &spec.source {
        let _ = write!(
            svg,
            " <span class=\"chart-source\">Kilde: {}</span>",
            escape_attr(src)
        );
    }
    let _ = write!(
        svg,
        "</figcaption><svg class=\"chart-svg\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" aria-labelledby=\"diagram-{n}-t diagram-{n}-d\"><title id=\"diagram-{n}-t\">{title}</title><desc id=\"diagram-{n}-d\">Stolpediagram. {}</desc>",
        escape_attr(&desc)
    );
    for (i, b) in spec.data.iter().enumerate() {
        let y = ROW * i as f64;
        let w = ((WIDTH - VALUE_ROOM) * b.value / max).max(1.0);
        let _ = write!(
            svg,
            "<text class=\"chart-label\" x=\"0\" y=\"{:.1}\">{}</text><rect class=\"chart-bar\" x=\"0\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{BAR}\" rx=\"2\"></rect><text class=\"chart-value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y + 15.0,
            escape_attr(&b.label),
            y + 21.0,
            w + 6.0,
            y + 35.0,
            escape_attr(&fmt(b.value)),
        );
    }
    svg.push_str("</svg><details class=\"chart-table\"><summary>Vis tallene som tabell</summary><table><thead><tr><th scope=\"col\">Kategori</th><th scope=\"col\">Verdi</th></tr></thead><tbody>");
    for b in &spec.data {
        let _ = write!(
            svg,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            escape_attr(&b.label),
            escape_attr(&fmt(b.value))
        );
    }
    svg.push_str("</tbody></table></details></figure>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(yaml: &str) -> (String, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        // The whole file, with the block's YAML starting on line 5 as `yaml_pos` says.
        let text = format!("---\ntitle: t\n---\n```chart\n{yaml}```\n");
        let block = Block {
            yaml,
            n: 1,
            at: Position { line: 5, column: 1 },
        };
        let html = render(&block, "a.md", &text, &mut diags);
        (html, diags)
    }

    #[test]
    fn renders_svg_with_title_desc_and_table() {
        let (html, d) = chart(
            "title: Bruk av dialogmelding\nunit: \"%\"\nsource: Rapporten\ndata:\n  - { label: Syfo-veiledere, value: 88 }\n  - { label: Fastleger, value: 42 }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert!(html.contains("<title id=\"diagram-1-t\">Bruk av dialogmelding</title>"));
        assert!(html.contains("Syfo-veiledere: 88\u{a0}%; Fastleger: 42\u{a0}%"));
        assert!(html.contains("<th scope=\"row\">Fastleger</th><td>42\u{a0}%</td>"));
        assert_eq!(html.matches("<rect").count(), 2);
        assert!(html.contains("Kilde: Rapporten"));
        // HTML allows a figure's caption only as its first or last child.
        assert!(html.starts_with("<figure class=\"chart\" id=\"diagram-1\"><figcaption>"));
    }

    #[test]
    fn labels_are_escaped() {
        let (html, _) = chart(
            "title: \"<script>x</script>\"\ndata:\n  - { label: \"<img onerror=a>\", value: 1 }\n",
        );
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
    }

    #[test]
    fn bad_specs_are_errors_with_file_lines() {
        let (html, d) = chart("title: x\ndata:\n  - { label: a, verdi: 3 }\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "chart");
        assert_eq!(d[0].line, 7, "{d:?}");
        assert!(html.contains("chart-error"));
        let (_, d) = chart("title: x\ndata: []\n");
        assert_eq!(d[0].message, "chart block has no data");
    }
}
