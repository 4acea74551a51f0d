//! From a fetched page to the text that is fingerprinted: HTML to text, chrome and volatile
//! lines dropped, whitespace collapsed.
//!
//! The aim is that a cosmetic re-render (a new "Last modified" date, other indentation, a page
//! wrapped in different navigation) gives the same text, while any change of wording does not.
//! HTML is read by html2text (html5ever's parser); the text is then normalized line by line. It
//! must be idempotent, because `--accept` stores the normalized text as the snapshot and later
//! runs normalize that snapshot again.

use sha2::{Digest, Sha256};

/// The fingerprint of normalized text, as written in `sources.toml`.
pub fn fingerprint(normalized: &str) -> String {
    let digest = Sha256::digest(normalized.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Normalizes a page body; `html` says the server declared it as HTML (it is also sniffed).
/// The error says why an HTML body could not be read.
pub fn normalize(body: &str, html: bool) -> Result<String, String> {
    if html || looks_like_html(body) {
        Ok(normalize_text(&html_to_text(body)?))
    } else {
        Ok(normalize_text(body))
    }
}

/// Whether a body without a content type is HTML. Plain-text snapshots contain things like
/// `<token>` and `1 <= x <= 100`, so only a document that starts with a tag and names a
/// structural element counts.
fn looks_like_html(body: &str) -> bool {
    let start = body.trim_start();
    if !start.starts_with('<') {
        return false;
    }
    let head: String = start
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "<!doctype",
        "<html",
        "<head",
        "<body",
        "<main",
        "<div",
        "<p>",
        "<article",
    ]
    .iter()
    .any(|t| head.contains(t))
}

/// Elements dropped with everything inside them: page chrome, and what is not text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "head", "nav", "header", "footer", "aside",
    "button", "iframe", "select", "dialog", "title",
];

/// Lines are never wrapped: a re-render at another width must give the same text.
const WIDTH: usize = 1 << 20;

/// HTML to lines of text with html2text: one line per block and per table cell, no list,
/// heading or link decoration, entities decoded. Only the content of `<main>` counts when the
/// page has one (everything around it is site chrome), and the [`SKIPPED`] elements are
/// dropped from the document before it is rendered.
pub fn html_to_text(html: &str) -> Result<String, String> {
    let config = html2text::config::with_decorator(html2text::render::TrivialDecorator::new())
        .raw_mode(true)
        .allow_width_overflow();
    let dom = config
        .parse_html(html.as_bytes())
        .map_err(|e| format!("cannot parse the page as HTML: {e}"))?;
    if let (Some(body), Some(main)) = (
        find_element(&dom.document, "body"),
        find_element(&dom.document, "main"),
    ) {
        *body.children.borrow_mut() = vec![main];
    }
    prune(&dom.document);
    let tree = config
        .dom_to_render_tree(&dom)
        .map_err(|e| format!("cannot lay out the page: {e}"))?;
    config
        .render_to_string(tree, WIDTH)
        .map_err(|e| format!("cannot render the page as text: {e}"))
}

fn element_name(node: &html2text::Handle) -> Option<&str> {
    match &node.data {
        html2text::Element { name, .. } => Some(&name.local),
        _ => None,
    }
}

/// The first element named `name`, depth first.
fn find_element(node: &html2text::Handle, name: &str) -> Option<html2text::Handle> {
    for child in node.children.borrow().iter() {
        if element_name(child) == Some(name) {
            return Some(child.clone());
        }
        if let Some(found) = find_element(child, name) {
            return Some(found);
        }
    }
    None
}

/// Drops every [`SKIPPED`] element under `node`.
fn prune(node: &html2text::Handle) {
    node.children
        .borrow_mut()
        .retain(|child| !element_name(child).is_some_and(|n| SKIPPED.contains(&n)));
    for child in node.children.borrow().iter() {
        prune(child);
    }
}

/// Lines that are site chrome, compared in lower case after whitespace is collapsed: one a line
/// of `chrome.txt` (data, as the names of the sites whose chrome it is are no Rust's business).
const CHROME: &str = include_str!("chrome.txt");

/// Normalizes text: volatile phrases and chrome dropped, one trimmed line per line of content,
/// whitespace collapsed, no blank lines, a final newline.
pub fn normalize_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = Vec::new();
    // After "Was this page helpful?" the next lines are its "Yes" / "No" buttons.
    let mut feedback_buttons = 0u8;
    for raw in text.lines() {
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'))
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let cleaned = strip_volatile(&cleaned);
        for cell in markdown_cells(&cleaned) {
            let line = collapse(&strip_markdown(cell));
            if line.is_empty() {
                continue;
            }
            let lower = line.to_lowercase();
            if feedback_buttons > 0 {
                feedback_buttons -= 1;
                if lower == "yes" || lower == "no" {
                    continue;
                }
            }
            if lower.starts_with("was this page helpful") {
                feedback_buttons = 2;
                continue;
            }
            if CHROME.lines().any(|c| c == lower) || is_copyright(&lower) {
                continue;
            }
            lines.push(line);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_copyright(lower: &str) -> bool {
    lower.contains('©') || lower.starts_with("copyright") || lower.contains("all rights reserved")
}

/// Splits a Markdown table row into its cells (one line each, like an HTML table renders);
/// drops the separator row. Any other line is one cell.
fn markdown_cells(line: &str) -> Vec<&str> {
    let t = line.trim();
    if t.len() >= 2 && t.starts_with('|') && t.ends_with('|') {
        let cells: Vec<&str> = t[1..t.len() - 1].split('|').map(str::trim).collect();
        let separator = cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
        if separator {
            return Vec::new();
        }
        return cells;
    }
    vec![line]
}

/// Drops the Markdown and list decoration that an HTML rendering of the same page lacks:
/// heading marks, list bullets, backticks, bold marks.
fn strip_markdown(line: &str) -> String {
    let mut s = line.trim();
    loop {
        let before = s;
        if let Some(rest) = s.strip_prefix('#') {
            let rest = rest.trim_start_matches('#');
            if rest.starts_with(' ') {
                s = rest.trim_start();
            }
        }
        for bullet in ["• ", "◦ ", "▪ ", "- ", "* "] {
            if let Some(rest) = s.strip_prefix(bullet) {
                s = rest.trim_start();
            }
        }
        if s == before {
            break;
        }
    }
    s.replace('`', "").replace("**", "")
}

/// Words that may follow "Last modified" / "Last updated" as part of the date.
const DATE_WORDS: &[&str] = &[
    "on",
    "at",
    "ago",
    "a",
    "an",
    "about",
    "just",
    "now",
    "today",
    "yesterday",
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "utc",
    "gmt",
    "am",
    "pm",
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
];

/// Removes "Skip to main content" and "Last modified on <date>" / "Last updated <date>", also
/// when a crude rendering glued them to the neighbouring text ("objectLast modified on …",
/// "Last updatedSkip to main content").
fn strip_volatile(line: &str) -> String {
    let mut s = line.to_string();
    while let Some(i) = s.to_ascii_lowercase().find("skip to main content") {
        s.replace_range(i..i + "skip to main content".len(), " ");
    }
    for phrase in ["Last modified", "Last updated", "Last edited"] {
        let mut from = 0;
        while let Some(rel) = s[from..].find(phrase) {
            let start = from + rel;
            let end = date_tail(&s, start + phrase.len());
            // Cut only when the date runs to the end of the line or straight into glued text:
            // "Last updated timestamp of the domain" is content.
            let rest = &s[end..];
            if rest.trim().is_empty() || !rest.starts_with(char::is_whitespace) {
                s.replace_range(start..end, " ");
                from = start + 1;
            } else {
                from = start + phrase.len();
            }
        }
    }
    s
}

/// The end of the date that follows a "Last modified" phrase ending at `from`.
fn date_tail(s: &str, from: usize) -> usize {
    let mut end = from;
    let mut i = from;
    let bytes = s.as_bytes();
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b',' | b'.' | b':' | b'/' | b'-') {
            i += 1;
        }
        let start = i;
        if i < bytes.len() && bytes[i].is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b':') {
                i += 1;
            }
            // An ordinal suffix such as "14th" belongs to the date.
            let rest = s[i..].to_ascii_lowercase();
            for suffix in ["st", "nd", "rd", "th"] {
                if rest.starts_with(suffix)
                    && !rest[2..].starts_with(|c: char| c.is_ascii_alphabetic())
                {
                    i += 2;
                }
            }
            end = i;
            continue;
        }
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i > start && DATE_WORDS.contains(&s[start..i].to_ascii_lowercase().as_str()) {
            end = i;
            continue;
        }
        return end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_volatile_phrases_are_dropped() {
        let text = "meta\nobjectLast modified on May 14, 2026\nLast updatedSkip to main content\n";
        assert_eq!(normalize_text(text), "meta\nobject\n");
        assert_eq!(
            normalize_text("Last updated 3 months ago\nLast updated timestamp"),
            "Last updated timestamp\n"
        );
        assert_eq!(normalize_text("Last modified on May 14, 2026Next"), "\n");
    }

    #[test]
    fn html_and_text_agree() {
        let html = "<!doctype html><html><head><title>x</title><script>var a = '<p>';</script>\
            </head><body><nav><ul><li>Other page</li></ul></nav><main><h1>Listing\n domains</h1>\
            <p>Page size; default <code>25</code>, max 100.</p><pre><code>{\n  \"id\": 1\n}</code></pre>\
            <p>Required range: 1 &lt;= x &lt;= 100</p><div>Last modified on May 14, 2026</div>\
            </main><footer>© 2026 Peeker</footer></body></html>";
        let text = "Listing domains\n\nPage size; default 25, max 100.\n{\n  \"id\": 1\n}\n\
            Required range: 1 <= x <= 100\nLast modified on May 14, 2026";
        assert_eq!(normalize(html, false), normalize(text, false));
        assert_eq!(normalize(html, false).unwrap(), "Listing domains\nPage size; default 25, max 100.\n{\n\"id\": 1\n}\nRequired range: 1 <= x <= 100\n");
    }

    #[test]
    fn normalizing_is_idempotent() {
        for text in [
            include_str!("../../specs/sources/peeker-list-domains.txt"),
            include_str!("../../specs/sources/devpayr-list-project-domains.txt"),
        ] {
            let once = normalize(text, false).unwrap();
            assert_eq!(normalize(&once, false).unwrap(), once);
            assert!(!looks_like_html(&once));
        }
    }

    #[test]
    fn broken_html_is_read_as_far_as_it_goes() {
        for html in [
            "<html><body><main><p>unclosed <b>bold<td>cell<table><tr><td>x",
            "<!doctype html><div><main></main></div><main>second</main>",
            "<html><body><nav>only chrome</nav></body></html>",
            "<div>1 < 2 &amp; 3 &bogus; 4 &#x1F600;</div>",
        ] {
            let text = normalize(html, true).unwrap();
            assert!(!text.contains("only chrome"), "{text}");
        }
        assert_eq!(
            normalize("<div>1 < 2 &amp; 3</div>", true).unwrap(),
            "1 < 2 & 3\n"
        );
    }

    #[test]
    fn markdown_tables_are_cells() {
        let md = "| Parameter | Type |\n|---|:---:|\n| `per_page` | integer |";
        assert_eq!(normalize_text(md), "Parameter\nType\nper_page\ninteger\n");
    }
}
