//! From a fetched page to the text that is fingerprinted: HTML to text, chrome and volatile
//! lines dropped, whitespace collapsed.
//!
//! The aim is that a cosmetic re-render (a new "Last modified" date, other indentation, a page
//! wrapped in different navigation) gives the same text, while any change of wording does not.
//! The conversion is deliberately crude (no DOM, no CSS): it only has to be stable, and it must be
//! idempotent, because `--accept` stores the normalized text as the snapshot and later runs
//! normalize that snapshot again.

use sha2::{Digest, Sha256};

/// The fingerprint of normalized text, as written in `sources.toml`.
pub fn fingerprint(normalized: &str) -> String {
    let digest = Sha256::digest(normalized.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Normalizes a page body; `html` says the server declared it as HTML (it is also sniffed).
pub fn normalize(body: &str, html: bool) -> String {
    if html || looks_like_html(body) {
        normalize_text(&html_to_text(body))
    } else {
        normalize_text(body)
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

/// Elements dropped with everything inside them: code, styling and page chrome.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "head", "nav", "header", "footer", "aside",
    "button", "iframe", "select", "dialog", "title",
];

/// Elements whose content never contains markup, so their end is found by text search.
const RAW_TEXT: &[&str] = &["script", "style", "textarea"];

/// Elements that start a new line of text.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "br",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "main",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

struct Tag {
    /// Lower-case name; starts with `!` or `?` for declarations.
    name: String,
    closing: bool,
    self_closing: bool,
    /// Length of the tag in bytes, `<` to `>` inclusive.
    len: usize,
}

/// Parses the tag at the start of `s` (which starts with `<`); `None` when the `<` is text.
fn parse_tag(s: &str) -> Option<Tag> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    match bytes.get(i) {
        Some(c) if c.is_ascii_alphabetic() || (!closing && (*c == b'!' || *c == b'?')) => i += 1,
        _ => return None,
    }
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':')
    {
        i += 1;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    // Attributes: skip to the closing `>`, honouring quoted values that may contain `>`.
    let mut quote = None;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => {
                let self_closing = i > 0 && bytes[i - 1] == b'/';
                return Some(Tag {
                    name,
                    closing,
                    self_closing,
                    len: i + 1,
                });
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// Finds `needle` (lower case) in `lower` from `from`, returning the absolute offset.
fn find_from(lower: &str, from: usize, needle: &str) -> Option<usize> {
    lower.get(from..)?.find(needle).map(|i| i + from)
}

/// Offset just after the end of the element whose start tag ends at `pos`, or `None` when it is
/// never closed (then only the start tag is dropped, not the rest of the page).
fn skip_element(html: &str, lower: &str, pos: usize, name: &str) -> Option<usize> {
    if RAW_TEXT.contains(&name) {
        let end = find_from(lower, pos, &format!("</{name}"))?;
        let close = end + html[end..].find('>')? + 1;
        return Some(close);
    }
    let mut depth = 1usize;
    let mut at = pos;
    while let Some(lt) = find_from(lower, at, "<") {
        if lower[lt..].starts_with("<!--") {
            at = find_from(lower, lt, "-->").map(|e| e + 3)?;
            continue;
        }
        let Some(tag) = parse_tag(&html[lt..]) else {
            at = lt + 1;
            continue;
        };
        at = lt + tag.len;
        if RAW_TEXT.contains(&tag.name.as_str()) && !tag.closing {
            at = skip_element(html, lower, at, &tag.name.clone())?;
            continue;
        }
        if tag.name == name {
            if tag.closing {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            } else if !tag.self_closing {
                depth += 1;
            }
        }
    }
    None
}

/// The content of `<main>` when the page has one: everything around it is site chrome.
fn main_content(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = find_from(&lower, at, "<main") {
        at = start + 5;
        let Some(tag) = parse_tag(&html[start..]) else {
            continue;
        };
        if tag.name != "main" {
            continue;
        }
        let inner = start + tag.len;
        if let Some(end) = lower.rfind("</main") {
            if end >= inner {
                return &html[inner..end];
            }
        }
        return &html[inner..];
    }
    html
}

/// HTML to lines of text: one line per block element, inline markup dropped, entities decoded.
pub fn html_to_text(html: &str) -> String {
    let html = main_content(html);
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() / 2);
    let mut pre_depth = 0usize;
    let mut pos = 0;
    while pos < html.len() {
        let Some(lt) = find_from(&lower, pos, "<") else {
            push_text(&mut out, &html[pos..], pre_depth > 0);
            break;
        };
        push_text(&mut out, &html[pos..lt], pre_depth > 0);
        if lower[lt..].starts_with("<!--") {
            pos = find_from(&lower, lt, "-->").map_or(html.len(), |e| e + 3);
            continue;
        }
        let Some(tag) = parse_tag(&html[lt..]) else {
            // A lone `<` is text (`1 < 2`).
            push_text(&mut out, "<", pre_depth > 0);
            pos = lt + 1;
            continue;
        };
        pos = lt + tag.len;
        if tag.name.starts_with('!') || tag.name.starts_with('?') {
            continue;
        }
        if !tag.closing && !tag.self_closing && SKIPPED.contains(&tag.name.as_str()) {
            if let Some(end) = skip_element(html, &lower, pos, &tag.name) {
                pos = end;
            }
            continue;
        }
        if tag.name == "pre" {
            if tag.closing {
                pre_depth = pre_depth.saturating_sub(1);
            } else if !tag.self_closing {
                pre_depth += 1;
            }
        }
        if BLOCKS.contains(&tag.name.as_str()) {
            out.push('\n');
        }
    }
    out
}

/// Appends a text node: outside `<pre>`, line breaks in the source are only spaces.
fn push_text(out: &mut String, text: &str, pre: bool) {
    if text.is_empty() {
        return;
    }
    let decoded = decode_entities(text);
    if pre {
        out.push_str(&decoded);
    } else {
        out.extend(
            decoded
                .chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
        );
    }
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i + 1);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "le" => '≤',
        "ge" => '≥',
        "rarr" => '→',
        "larr" => '←',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bull" => '•',
        "middot" => '·',
        "times" => '×',
        "copy" => '©',
        _ => return None,
    })
}

/// Lines that are site chrome, compared in lower case after whitespace is collapsed.
const CHROME: &[&str] = &[
    "on this page",
    "copy page",
    "copy",
    "copied!",
    "ask ai",
    "search...",
    "search",
    "ctrl k",
    "ctrl+k",
    "⌘k",
    "navigation",
    "powered by mintlify",
    "powered by gitbook",
    "suggest edits",
    "raise issue",
    "edit on github",
    "edit this page",
    "previous",
    "next",
];

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
            if CHROME.contains(&lower.as_str()) || is_copyright(&lower) {
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
    }

    #[test]
    fn normalizing_is_idempotent() {
        for text in [
            include_str!("../../../specs/sources/peeker-list-domains.txt"),
            include_str!("../../../specs/sources/devpayr-list-project-domains.txt"),
        ] {
            let once = normalize(text, false);
            assert_eq!(normalize(&once, false), once);
            assert!(!looks_like_html(&once));
        }
    }

    #[test]
    fn markdown_tables_are_cells() {
        let md = "| Parameter | Type |\n|---|:---:|\n| `per_page` | integer |";
        assert_eq!(normalize_text(md), "Parameter\nType\nper_page\ninteger\n");
    }
}
