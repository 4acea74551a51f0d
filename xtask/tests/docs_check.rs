//! `cargo xtask docs-check` end to end: the built binary against synthetic vendor pages served by
//! a local HTTP server (127.0.0.1, port 0), with a temporary sources file pointing at it.
//!
//! Each case asserts the verdict, the exit code and the exact list of facts reported.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Fingerprint of the normalized `fixtures/docs/peeker-baseline.txt`. Pinned on purpose: a
/// change of normalization changes every recorded fingerprint (the next watch run would flag
/// every page), so it must be a deliberate edit here too.
const BASELINE_FINGERPRINT: &str =
    "sha256:1dc46329eb5062f0d7b49a7f45ff8681e02386508e04ba07cb1cc1faf44e0bef";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docs")
}

fn fixture(name: &str) -> String {
    let path = fixtures().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A tiny HTTP/1.1 server: path → (content type, body); anything else is a 404.
struct Server {
    base: String,
}

impl Server {
    fn start(routes: &[(&str, &str, String)]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let routes: Arc<HashMap<String, (String, String)>> = Arc::new(
            routes
                .iter()
                .map(|(path, ty, body)| (path.to_string(), (ty.to_string(), body.clone())))
                .collect(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let routes = Arc::clone(&routes);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).is_err() {
                        return;
                    }
                    // Skip the headers.
                    loop {
                        let mut line = String::new();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => break,
                            Ok(_) if line == "\r\n" || line == "\n" => break,
                            Ok(_) => {}
                        }
                    }
                    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
                    let (status, ty, body) = match routes.get(path) {
                        Some((ty, body)) => ("200 OK", ty.as_str(), body.as_str()),
                        None => ("404 Not Found", "text/plain", "not found"),
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {ty}\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes());
                });
            }
        });
        Server { base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A scratch directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "docs_check-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sources")).expect("create scratch dir");
    dir
}

/// A sources file with one Peeker page at `url`, reconciled against the baseline fixture.
fn peeker_sources(dir: &Path, url: &str) -> PathBuf {
    std::fs::write(
        dir.join("sources/peeker-list-domains.txt"),
        fixture("peeker-baseline.txt"),
    )
    .expect("write snapshot");
    let path = dir.join("sources.toml");
    let text = format!(
        "# Test sources: one page.\n\
         \n\
         # The Peeker page.\n\
         [[page]]\n\
         spec = \"peeker\"\n\
         operation = \"list_domains\"\n\
         url = \"{url}\"\n\
         snapshot = \"sources/peeker-list-domains.txt\"\n\
         reconciled = \"2020-01-01\" # the day the spec was written\n\
         fingerprint = \"{BASELINE_FINGERPRINT}\" # kept by --accept\n"
    );
    std::fs::write(&path, text).expect("write sources.toml");
    path
}

struct Run {
    code: i32,
    stdout: String,
}

impl Run {
    /// The verdict of each page, in order.
    fn verdicts(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .take_while(|l| !l.is_empty())
            .filter(|l| !l.starts_with(' '))
            .filter_map(|l| l.split_whitespace().next())
            .collect()
    }

    /// The facts reported, as `NEW <fact>` / `GONE <fact>`, in order.
    fn facts(&self) -> Vec<String> {
        self.stdout
            .lines()
            .map(str::trim_start)
            .filter_map(|l| {
                let (tag, rest) = l.split_once("  ")?;
                let tag = tag.trim();
                if tag != "NEW" && tag != "GONE" {
                    return None;
                }
                let fact = rest.split("  spec: ").next()?.trim();
                Some(format!("{tag} {fact}"))
            })
            .collect()
    }
}

fn xtask(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("docs-check")
        .args(args)
        // The server is local: never go through a proxy to reach it.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("run xtask");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    };
    eprintln!(
        "--- stdout\n{}--- stderr\n{}",
        run.stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    run
}

fn check_served(name: &str, content_type: &str, body: String) -> Run {
    let server = Server::start(&[("/listing-domains", content_type, body)]);
    let dir = scratch(name);
    let sources = peeker_sources(&dir, &server.url("/listing-domains"));
    xtask(&["--sources", sources.to_str().expect("utf-8 path")])
}

#[test]
fn an_unchanged_page_exits_0() {
    let run = check_served("unchanged", "text/plain", fixture("peeker-baseline.txt"));
    assert_eq!(run.verdicts(), ["unchanged"]);
    assert_eq!(run.code, 0);
    assert!(run.facts().is_empty());
}

#[test]
fn a_cosmetic_rerender_is_unchanged() {
    let run = check_served(
        "cosmetic",
        "text/html; charset=utf-8",
        fixture("peeker-cosmetic.html"),
    );
    assert_eq!(run.verdicts(), ["unchanged"]);
    assert_eq!(run.code, 0);
}

#[test]
fn a_new_enum_value_is_new() {
    let run = check_served("enum", "text/plain", fixture("peeker-new-enum-value.txt"));
    assert_eq!(run.verdicts(), ["changed"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.facts(), ["NEW status enum value pending"]);
    assert!(
        run.stdout.contains(
            "spec: paths./domains.get.parameters[status].schema.enum = components.schemas.DomainStatus.enum"
        ),
        "the hint names the place to edit"
    );
    assert!(
        run.stdout.contains("+ pending"),
        "the text diff shows the line"
    );
}

#[test]
fn a_removed_parameter_is_gone() {
    let run = check_served("param", "text/plain", fixture("peeker-no-user-email.txt"));
    assert_eq!(run.verdicts(), ["changed"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.facts(), ["GONE parameter user_email"]);
    assert!(run
        .stdout
        .contains("spec: paths./domains.get.parameters[user_email]"));
}

#[test]
fn a_changed_maximum_is_new_and_gone() {
    let run = check_served("max", "text/plain", fixture("peeker-max-200.txt"));
    assert_eq!(run.verdicts(), ["changed"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.facts(),
        ["NEW per_page maximum 200", "GONE per_page maximum 100"]
    );
    assert!(run
        .stdout
        .contains("spec: paths./domains.get.parameters[per_page].schema.maximum"));
}

#[test]
fn a_page_that_is_gone_is_unreachable() {
    let server = Server::start(&[]);
    let dir = scratch("gone");
    let sources = peeker_sources(&dir, &server.url("/listing-domains"));
    let run = xtask(&["--sources", sources.to_str().expect("utf-8 path")]);
    assert_eq!(run.verdicts(), ["unreachable"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("HTTP 404"), "the reason is printed");
    assert!(run.facts().is_empty());
}

#[test]
fn from_dir_reads_the_pages_from_files() {
    let dir = scratch("from");
    // The URL is never fetched with --from.
    let sources = peeker_sources(&dir, "http://127.0.0.1:9/never-fetched");
    let pages = dir.join("pages");
    std::fs::create_dir_all(&pages).expect("create pages dir");
    let args = [
        "--from",
        pages.to_str().expect("utf-8"),
        "--sources",
        sources.to_str().expect("utf-8"),
    ];

    std::fs::write(
        pages.join("peeker-list-domains.txt"),
        fixture("peeker-cosmetic.html"),
    )
    .expect("write page");
    let run = xtask(&args);
    assert_eq!((run.verdicts(), run.code), (vec!["unchanged"], 0));

    std::fs::write(
        pages.join("peeker-list-domains.txt"),
        fixture("peeker-new-enum-value.txt"),
    )
    .expect("write page");
    let run = xtask(&args);
    assert_eq!((run.verdicts(), run.code), (vec!["changed"], 1));
    assert_eq!(run.facts(), ["NEW status enum value pending"]);

    std::fs::remove_file(pages.join("peeker-list-domains.txt")).expect("remove page");
    let run = xtask(&args);
    assert_eq!((run.verdicts(), run.code), (vec!["unreachable"], 2));
}

#[test]
fn accept_records_the_page_and_keeps_comments() {
    let server = Server::start(&[(
        "/listing-domains",
        "text/html",
        // Wrapped in HTML, so that the snapshot (normalized text) differs from the body served:
        // the second run must still find them equal.
        format!(
            "<html><body><nav>Menu</nav><main><pre>{}</pre></main></body></html>",
            fixture("peeker-max-200.txt")
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        ),
    )]);
    let dir = scratch("accept");
    let sources = peeker_sources(&dir, &server.url("/listing-domains"));
    let args = ["--sources", sources.to_str().expect("utf-8")];

    let run = xtask(&[args[0], args[1], "--accept"]);
    assert_eq!(run.verdicts(), ["changed"]);
    assert_eq!(run.code, 0, "accepting leaves nothing to do");
    assert!(run.stdout.contains("accepted"));

    let text = std::fs::read_to_string(&sources).expect("read sources.toml");
    for comment in [
        "# Test sources: one page.",
        "# The Peeker page.",
        "# the day the spec was written",
        "# kept by --accept",
    ] {
        assert!(text.contains(comment), "comment `{comment}` lost:\n{text}");
    }
    let doc: toml::Table = text.parse().expect("still valid TOML");
    let page = &doc["page"].as_array().expect("pages")[0];
    let fingerprint = page["fingerprint"].as_str().expect("fingerprint");
    assert_ne!(fingerprint, BASELINE_FINGERPRINT);
    assert!(fingerprint.starts_with("sha256:") && fingerprint.len() == 71);
    let reconciled = page["reconciled"].as_str().expect("reconciled");
    assert!(
        reconciled.len() == 10 && reconciled.as_bytes()[4] == b'-' && reconciled > "2020-01-01",
        "reconciled is today's date, not {reconciled}"
    );
    let snapshot = std::fs::read_to_string(dir.join("sources/peeker-list-domains.txt"))
        .expect("read snapshot");
    assert!(snapshot.contains("Required range: 1 <= x <= 200"));
    assert!(!snapshot.contains("Menu") && !snapshot.contains("Last modified"));

    let run = xtask(&args);
    assert_eq!(run.verdicts(), ["unchanged"]);
    assert_eq!(run.code, 0);
}

#[test]
fn an_index_page_never_recorded_is_unknown_then_lists_new_pages() {
    let server = Server::start(&[
        ("/llms.txt", "text/plain", fixture("llms-baseline.txt")),
        (
            "/llms-later.txt",
            "text/plain",
            fixture("llms-new-page.txt"),
        ),
    ]);
    let dir = scratch("index");
    let sources = dir.join("sources.toml");
    let write = |path: &str, fingerprint: &str| {
        let text = format!(
            "[[page]]\nspec = \"peeker\"\nkind = \"index\"\nurl = \"{}\"\n\
             snapshot = \"sources/peeker-llms.txt\"\nreconciled = \"2026-11-22\"\n\
             fingerprint = \"{fingerprint}\" # \"\" = never recorded\n",
            server.url(path)
        );
        std::fs::write(&sources, text).expect("write sources.toml");
    };
    write("/llms.txt", "");
    let args = ["--sources", sources.to_str().expect("utf-8")];

    // Never recorded: `unknown`, which asks for a person (exit 1) but is not a failure (2).
    let run = xtask(&args);
    assert_eq!((run.verdicts(), run.code), (vec!["unknown"], 1));
    assert!(run.facts().is_empty(), "an index has no facts");

    let run = xtask(&[args[0], args[1], "--accept"]);
    assert_eq!(run.code, 0);
    let run = xtask(&args);
    assert_eq!((run.verdicts(), run.code), (vec!["unchanged"], 0));

    // The index now lists one more page: changed, and the report names it.
    let text = std::fs::read_to_string(&sources).expect("read sources.toml");
    let doc: toml::Table = text.parse().expect("valid TOML");
    let fingerprint = doc["page"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    write("/llms-later.txt", &fingerprint);
    let run = xtask(&args);
    assert_eq!((run.verdicts(), run.code), (vec!["changed"], 1));
    assert!(run.facts().is_empty(), "an index has no facts");
    assert!(run
        .stdout
        .contains("pages listed: 1 line(s) added, 0 removed"));
    assert!(run.stdout.contains("+ [Releasing a domain]"));
}

#[test]
fn the_committed_fingerprints_match_the_committed_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text =
        std::fs::read_to_string(root.join("specs/sources.toml")).expect("specs/sources.toml");
    let mut doc: toml_edit::DocumentMut = text.parse().expect("valid TOML");
    // The pages only: a [[document]] is fetched from its registry, never read from files.
    doc.remove("document");
    // Pages never recorded have no snapshot to compare with.
    let pages = doc["page"].as_array_of_tables_mut().expect("[[page]]");
    pages.retain(|p| p.get("fingerprint").and_then(|f| f.as_str()) != Some(""));
    assert!(!pages.is_empty());
    let recorded = pages.len();
    let dir = scratch("committed");
    let sources = dir.join("sources.toml");
    std::fs::write(&sources, doc.to_string()).expect("write sources.toml");
    let from = root.join("specs/sources");
    let run = xtask(&[
        "--from",
        from.to_str().expect("utf-8"),
        "--sources",
        sources.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.verdicts(), vec!["unchanged"; recorded]);
    assert_eq!(run.code, 0);
}

#[test]
fn a_bad_sources_file_is_a_usage_error() {
    let dir = scratch("usage");
    let sources = dir.join("sources.toml");
    std::fs::write(
        &sources,
        "[[page]]\nspec = \"acme\"\nurl = \"https://example.invalid/\"\n\
         snapshot = \"sources/a.txt\"\nreconciled = \"2026-11-22\"\nfingerprint = \"\"\n",
    )
    .expect("write sources.toml");
    let run = xtask(&["--sources", sources.to_str().expect("utf-8")]);
    assert_eq!(run.code, 2);
    let run = xtask(&[
        "--sources",
        dir.join("missing.toml").to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 2);
}
