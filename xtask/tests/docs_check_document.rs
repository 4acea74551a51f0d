//! `cargo xtask docs-check` on a vendor's OpenAPI document (`[[document]]`), end to end: the
//! built binary against a fake npm registry on 127.0.0.1 (port 0) that serves package
//! documents and gzipped tarballs built here, with a temporary sources file pointing at it.
//!
//! A new version that changes a selected operation or a component it reaches is `changed`,
//! with NEW and GONE facts at their spec paths; one that changes only other operations is not;
//! the recorded version is not even downloaded.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

/// A tiny HTTP/1.1 server whose routes (path → body) can change while it runs, and which
/// remembers the paths it was asked for.
struct Registry {
    base: String,
    routes: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    fn start() -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let routes: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let asked: Arc<Mutex<Vec<String>>> = Arc::default();
        let (r, a) = (Arc::clone(&routes), Arc::clone(&asked));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                serve(stream, &r, &a);
            }
        });
        Registry {
            base,
            routes,
            asked,
        }
    }

    /// Publishes `versions` of the package `@acme/openapi` (each the text of its document),
    /// `latest` being the one the registry calls latest.
    fn publish(&self, versions: &[(&str, &str)], latest: &str) {
        let mut routes = self.routes.lock().unwrap();
        let mut listed = serde_json::Map::new();
        for (version, document) in versions {
            let path = format!("/@acme/openapi/-/openapi-{version}.tgz");
            let tgz = tarball(document);
            let integrity = format!("sha512-{}", sha512_base64(&tgz));
            listed.insert(
                version.to_string(),
                json!({"dist": {"tarball": format!("{}{path}", self.base), "integrity": integrity}}),
            );
            routes.insert(path, tgz);
        }
        let packument =
            json!({"name": "@acme/openapi", "dist-tags": {"latest": latest}, "versions": listed});
        routes.insert(
            "/@acme%2fopenapi".into(),
            packument.to_string().into_bytes(),
        );
    }

    fn tarballs_asked(&self) -> usize {
        self.asked
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(".tgz"))
            .count()
    }
}

fn serve(
    stream: std::net::TcpStream,
    routes: &Mutex<HashMap<String, Vec<u8>>>,
    asked: &Mutex<Vec<String>>,
) {
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    asked.lock().unwrap().push(path.clone());
    let body = routes.lock().unwrap().get(&path).cloned();
    let (status, body) = match body {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = writer.write_all(head.as_bytes());
    let _ = writer.write_all(&body);
}

/// An npm tarball with `package/package.json` and the document at `package/openapi.json`.
fn tarball(document: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (path, text) in [
        ("package/package.json", "{\"name\": \"@acme/openapi\"}"),
        ("package/openapi.json", document),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn sha512_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(bytes))
}

/// Version 1 of the vendor's document: `orders/list` is imported, `carts/list` is not.
fn v1() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1"},
        "paths": {
            "/orders": {"get": {
                "operationId": "orders/list",
                "parameters": [{"$ref": "#/components/parameters/state"}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/order"}}}}}}
            }},
            "/carts": {"get": {"operationId": "carts/list", "responses": {"200": {"description": "ok"}}}}
        },
        "components": {
            "parameters": {"state": {"name": "state", "in": "query",
                "schema": {"type": "string", "enum": ["open", "closed"]}}},
            "schemas": {
                "order": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "integer"},
                    "note": {"type": "string", "description": "A note."},
                    "coupon": {"type": "string"}
                }},
                "cart": {"type": "object"}
            }
        }
    })
}

/// Version 2: a new state, a property gone, a description reworded; and a change to an
/// operation that is not imported.
fn v2() -> Value {
    let mut doc = v1();
    doc["components"]["parameters"]["state"]["schema"]["enum"] =
        json!(["open", "closed", "archived"]);
    let order = &mut doc["components"]["schemas"]["order"]["properties"];
    order.as_object_mut().unwrap().remove("coupon");
    order["note"]["description"] = json!("A note from the buyer.");
    doc["paths"]["/carts"]["get"]["parameters"] = json!([{"name": "page", "in": "query"}]);
    doc
}

/// Version 3: version 2 with only the operation that is not imported changed again.
fn v3() -> Value {
    let mut doc = v2();
    doc["components"]["schemas"]["cart"]["properties"] = json!({"id": {"type": "string"}});
    doc
}

fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "docs_check_document-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sources")).expect("create scratch dir");
    dir
}

/// A sources file with one document, version 1.0.0, never recorded.
fn sources(dir: &Path, registry: &str) -> PathBuf {
    let path = dir.join("sources.toml");
    let text = format!(
        "# Test sources: one document.\n\
         \n\
         [[document]]\n\
         spec = \"stripe\" # any spec: documents are compared with their own snapshot\n\
         package = \"@acme/openapi\"\n\
         version = \"1.0.0\" # kept by --accept\n\
         path = \"openapi.json\"\n\
         operations = [\"orders/list\"]\n\
         registry = \"{registry}\"\n\
         snapshot = \"sources/acme-openapi.json\"\n\
         reconciled = \"2020-01-01\"\n\
         fingerprint = \"\"\n"
    );
    std::fs::write(&path, text).expect("write sources.toml");
    path
}

struct Run {
    code: i32,
    stdout: String,
}

impl Run {
    fn verdict(&self) -> &str {
        self.stdout.split_whitespace().next().unwrap_or_default()
    }

    /// `NEW <fact> @ <spec path>` / `GONE …`, in order.
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
                let (fact, at) = rest.split_once("  spec: ")?;
                Some(format!("{tag} {} @ {at}", fact.trim()))
            })
            .collect()
    }
}

fn xtask(sources: &Path, extra: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("docs-check")
        .arg("--sources")
        .arg(sources)
        .args(extra)
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

/// A registry serving versions 1.0.0 to 1.2.0, and a sources file that recorded 1.0.0.
fn recorded(name: &str) -> (Registry, PathBuf, PathBuf) {
    let registry = Registry::start();
    let (one, two, three) = (v1().to_string(), v2().to_string(), v3().to_string());
    registry.publish(
        &[("1.0.0", &one), ("1.1.0", &two), ("1.2.0", &three)],
        "1.0.0",
    );
    let dir = scratch(name);
    let path = sources(&dir, &registry.base);
    let first = xtask(&path, &[]);
    assert_eq!(first.verdict(), "unknown", "never recorded");
    assert_eq!(first.code, 1);
    let accepted = xtask(&path, &["--accept"]);
    assert_eq!(accepted.code, 0);
    assert!(accepted
        .stdout
        .contains("accepted    stripe   @acme/openapi 1.0.0: sha256:"));
    (registry, dir, path)
}

#[test]
fn the_recorded_version_is_not_downloaded_again() {
    let (registry, dir, path) = recorded("latest");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("version = \"1.0.0\" # kept by --accept"),
        "{text}"
    );
    assert!(!text.contains("fingerprint = \"\""), "{text}");
    let snapshot = std::fs::read_to_string(dir.join("sources/acme-openapi.json")).unwrap();
    assert!(snapshot.contains("\"orders/list\"") && !snapshot.contains("carts/list"));
    let before = registry.tarballs_asked();
    let run = xtask(&path, &[]);
    assert_eq!((run.verdict(), run.code), ("unchanged", 0));
    assert!(run
        .stdout
        .contains("@acme/openapi 1.0.0 (openapi.json), the latest"));
    assert_eq!(registry.tarballs_asked(), before);
}

#[test]
fn a_new_version_that_changes_the_selection_is_changed_with_its_facts() {
    let (registry, _dir, path) = recorded("changed");
    let (one, two) = (v1().to_string(), v2().to_string());
    registry.publish(&[("1.0.0", &one), ("1.1.0", &two)], "1.1.0");
    let run = xtask(&path, &[]);
    assert_eq!((run.verdict(), run.code), ("changed", 1));
    assert!(run
        .stdout
        .contains("@acme/openapi 1.0.0 → 1.1.0 (openapi.json)"));
    assert_eq!(
        run.facts(),
        [
            "NEW enum \"archived\" @ #/components/parameters/state/schema/enum",
            "GONE coupon (the whole node) @ #/components/schemas/order/properties/coupon",
        ]
    );
    assert!(run.stdout.contains(
        "text or examples changed at 1 place(s): #/components/schemas/order/properties/note/description"
    ));
    assert!(run.stdout.contains("`npm pack @acme/openapi@1.1.0`"));
    assert!(
        !run.stdout.contains("carts"),
        "an operation not imported is not reported"
    );

    let accepted = xtask(&path, &["--accept"]);
    assert_eq!(accepted.code, 0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("version = \"1.1.0\" # kept by --accept"),
        "{text}"
    );
    let again = xtask(&path, &[]);
    assert_eq!((again.verdict(), again.code), ("unchanged", 0));
}

#[test]
fn a_new_version_that_leaves_the_selection_is_unchanged() {
    let (registry, _dir, path) = recorded("other-operations");
    let one = v1().to_string();
    let mut other = v1();
    other["paths"]["/carts"]["get"]["summary"] = json!("List carts");
    registry.publish(&[("1.0.0", &one), ("1.3.0", &other.to_string())], "1.3.0");
    let run = xtask(&path, &[]);
    assert_eq!((run.verdict(), run.code), ("unchanged", 0));
    assert!(run.stdout.contains(
        "the new version leaves the selected operations and their components as they were"
    ));
}

#[test]
fn an_operation_gone_from_the_new_version_is_a_change() {
    let (registry, _dir, path) = recorded("gone");
    let mut gone = v1();
    gone["paths"].as_object_mut().unwrap().remove("/orders");
    registry.publish(&[("2.0.0", &gone.to_string())], "2.0.0");
    let run = xtask(&path, &[]);
    assert_eq!((run.verdict(), run.code), ("changed", 1));
    assert!(
        run.stdout
            .contains("the recorded operations cannot be selected any more")
            && run
                .stdout
                .contains("no operation has the operationId `orders/list`"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_package_or_a_corrupt_tarball_is_unreachable() {
    let registry = Registry::start();
    let dir = scratch("missing");
    let path = sources(&dir, &registry.base);
    let run = xtask(&path, &[]);
    assert_eq!((run.verdict(), run.code), ("unreachable", 2));
    assert!(run.stdout.contains("HTTP 404"), "{}", run.stdout);

    registry.publish(&[("1.0.0", &v1().to_string())], "1.0.0");
    registry.routes.lock().unwrap().insert(
        "/@acme/openapi/-/openapi-1.0.0.tgz".into(),
        b"garbage".to_vec(),
    );
    let run = xtask(&path, &[]);
    assert_eq!((run.verdict(), run.code), ("unreachable", 2));
    assert!(
        run.stdout
            .contains("does not match the registry's integrity"),
        "{}",
        run.stdout
    );
}

#[test]
fn from_dir_reads_the_document_from_a_file() {
    let (_registry, dir, path) = recorded("from-dir");
    let files = dir.join("new");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("openapi.json"), v2().to_string()).unwrap();
    let run = xtask(&path, &["--from", files.to_str().unwrap()]);
    assert_eq!((run.verdict(), run.code), ("changed", 1));
    assert_eq!(run.facts().len(), 2, "{}", run.stdout);
}
