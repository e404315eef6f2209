//! `report.html`: one self-contained page with the summary tables and every
//! chart (inline SVG), which opens offline in any browser and prints well.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Drawn;

/// The page's stylesheet: light, print-friendly, tables that scroll on
/// narrow screens.
const CSS: &str = "\
body{font-family:'DejaVu Sans',system-ui,sans-serif;color:#222;max-width:1500px;margin:2em auto;padding:0 1.5em;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
.meta{color:#555}code{background:#f4f4f4;padding:.1em .3em;border-radius:3px}\
.table{overflow-x:auto}table{border-collapse:collapse;font-size:.9em;margin:.8em 0}\
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right;white-space:nowrap}\
th{background:#f6f6f6}tr:nth-child(even) td{background:#fbfbfb}\
figure{margin:1.5em 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto;display:block}\
figcaption{color:#555;font-size:.9em;margin-top:.3em}";

/// HTML-escapes `text`.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The cells of a Markdown table row.
fn cells(row: &str) -> Vec<&str> {
    row.trim()
        .trim_start_matches('|')
        .trim_end_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

/// HTML for the Markdown the experiment writes to `summary.md`: `##`
/// headings, pipe tables and plain paragraphs.
pub fn markdown_to_html(md: &str) -> String {
    let mut html = String::new();
    let mut table: Vec<&str> = Vec::new();
    let flush = |table: &mut Vec<&str>, html: &mut String| {
        if table.is_empty() {
            return;
        }
        html.push_str("<div class=\"table\"><table>\n<thead><tr>");
        for cell in cells(table[0]) {
            let _ = write!(html, "<th>{}</th>", escape(cell));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        let separator = |row: &str| {
            cells(row)
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        };
        for row in table.iter().skip(1).filter(|r| !separator(r)) {
            html.push_str("<tr>");
            for cell in cells(row) {
                let _ = write!(html, "<td>{}</td>", escape(cell));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody></table></div>\n");
        table.clear();
    };
    for line in md.lines() {
        if line.trim_start().starts_with('|') {
            table.push(line);
            continue;
        }
        flush(&mut table, &mut html);
        let line = line.trim();
        if let Some(heading) = line.strip_prefix("## ") {
            let _ = writeln!(html, "<h3>{}</h3>", escape(heading));
        } else if !line.is_empty() {
            let _ = writeln!(html, "<p>{}</p>", escape(line));
        }
    }
    flush(&mut table, &mut html);
    html
}

/// A `file://` link to an absolute `path`, as terminals and browsers open it.
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(char::from(byte))
            }
            other => {
                let _ = write!(url, "%{other:02X}");
            }
        }
    }
    url
}

/// The SVG document without an XML declaration, ready to inline.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg,
    }
}

/// Writes `report.html` into `out`: `title`, the command that made it,
/// `summary` (Markdown) and every chart, each linked to its SVG and PNG
/// (relative to `out`). Returns its path.
pub fn write(
    out: &Path,
    title: &str,
    command: &str,
    summary: &str,
    charts: &[Drawn],
) -> anyhow::Result<PathBuf> {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{t}</h1>\n\
         <p class=\"meta\">Made by <code>{c}</code></p>\n",
        t = escape(title),
        c = escape(command),
    );
    html.push_str("<h2>Summary</h2>\n");
    html.push_str(&markdown_to_html(summary));
    html.push_str("<h2>Charts</h2>\n");
    for chart in charts {
        let link = |path: &Path| {
            let relative = path.strip_prefix(out).unwrap_or(path);
            escape(&relative.display().to_string())
        };
        let _ = write!(
            html,
            "<figure>\n{}\n<figcaption>{}. Files: <a href=\"{}\">SVG</a>, <a href=\"{}\">PNG</a></figcaption>\n</figure>\n",
            inline_svg(&chart.svg),
            escape(&chart.figure.title),
            link(&chart.svg_path),
            link(&chart.png_path),
        );
    }
    html.push_str("</body>\n</html>\n");
    let path = out.join("report.html");
    std::fs::write(&path, html).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_markdown_becomes_headings_tables_and_paragraphs() {
        let md = "## Real <nodes>\n\n| N | Mode |\n|---|------|\n| 10 | push |\n| 20 | hybrid |\nA note & more.\n";
        let html = markdown_to_html(md);
        assert!(html.contains("<h3>Real &lt;nodes&gt;</h3>"), "{html}");
        assert!(
            html.contains("<thead><tr><th>N</th><th>Mode</th></tr></thead>"),
            "{html}"
        );
        assert!(html.contains("<tr><td>10</td><td>push</td></tr>"), "{html}");
        assert!(
            html.contains("<tr><td>20</td><td>hybrid</td></tr>"),
            "{html}"
        );
        assert!(
            !html.contains("---"),
            "the separator row is not a row: {html}"
        );
        assert!(html.contains("<p>A note &amp; more.</p>"), "{html}");
    }

    #[test]
    fn file_links_escape_what_a_url_cannot_hold() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/#1/report.html")),
            "file:///tmp/a%20b/%231/report.html"
        );
    }

    #[test]
    fn svg_is_inlined_without_its_declaration() {
        assert_eq!(
            inline_svg("<?xml version=\"1.0\"?>\n<svg a=\"1\"/>"),
            "<svg a=\"1\"/>"
        );
    }
}
