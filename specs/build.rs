//! Embeds every `*.yaml` file of this directory, named by file stem, so that adding
//! `specs/<api>.yaml` is the whole of adding an API: no Rust lists the specs. The overlay of an
//! imported spec, `<api>.overlay.yaml`, is no spec and is left out.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // A new or removed spec file changes the directory, which reruns this script.
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut specs: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("the specs directory is readable")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .filter(|path| !path.to_string_lossy().ends_with(".overlay.yaml"))
        .filter_map(|path| {
            let stem = path.file_stem()?.to_str()?.to_string();
            Some((stem, path))
        })
        .collect();
    specs.sort();
    let mut out =
        String::from("/// Every spec file of `specs/`: (name, file name, text), sorted by name.\n");
    out.push_str("pub(crate) static EMBEDDED: &[(&str, &str, &str)] = &[\n");
    for (name, path) in &specs {
        println!("cargo:rerun-if-changed={}", path.display());
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    ({name:?}, {file:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let target =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("embedded.rs");
    std::fs::write(&target, out).expect("OUT_DIR is writable");
}
