//! A vendor's OpenAPI document as an npm package publishes it: the latest version, from the
//! registry's package document (the abbreviated "packument"), and the document itself, out of
//! that version's tarball, checked against the integrity the registry states.

use std::io::Read;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha512};

use crate::fetch::Fetcher;
use crate::sources::Document;

/// The package document is small (the abbreviated form lists versions and their tarballs).
const MAX_PACKUMENT: usize = 32 * 1024 * 1024;
/// A tarball of vendors' documents can be large (GitHub's is about 30 MB, for five documents).
const MAX_TARBALL: usize = 256 * 1024 * 1024;
/// The document itself, once extracted.
const MAX_DOCUMENT: u64 = 128 * 1024 * 1024;

/// The abbreviated package document: what `npm install` reads.
#[derive(Deserialize)]
struct Packument {
    #[serde(rename = "dist-tags")]
    dist_tags: DistTags,
    versions: std::collections::BTreeMap<String, Version>,
}

#[derive(Deserialize)]
struct DistTags {
    latest: String,
}

#[derive(Deserialize)]
struct Version {
    dist: Dist,
}

#[derive(Deserialize)]
struct Dist {
    tarball: String,
    integrity: Option<String>,
}

/// The version a registry calls latest, and where its tarball is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: String,
    tarball: String,
    integrity: Option<String>,
}

/// The latest release of the document's package.
pub fn latest(fetcher: &Fetcher, document: &Document) -> Result<Release, String> {
    let url = format!(
        "{}/{}",
        document.registry.trim_end_matches('/'),
        document.package.replace('/', "%2f")
    );
    let (bytes, _) = fetcher.get_bytes(
        &url,
        Some("application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"),
        MAX_PACKUMENT,
    )?;
    let packument: Packument = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{url} is not an npm package document: {e}"))?;
    let version = packument.dist_tags.latest;
    let dist = packument
        .versions
        .get(&version)
        .map(|v| &v.dist)
        .ok_or_else(|| format!("{url}: the latest version {version} is not among its versions"))?;
    Ok(Release {
        version,
        tarball: dist.tarball.clone(),
        integrity: dist.integrity.clone(),
    })
}

/// The text of the document at `path` inside the release's tarball.
pub fn document(fetcher: &Fetcher, release: &Release, path: &str) -> Result<String, String> {
    let (bytes, _) = fetcher.get_bytes(&release.tarball, None, MAX_TARBALL)?;
    if let Some(integrity) = &release.integrity {
        check_integrity(&bytes, integrity, &release.tarball)?;
    }
    extract(&bytes, path).map_err(|e| format!("{}: {e}", release.tarball))
}

/// Compares the tarball with the registry's `sha512-<base64>` integrity (other algorithms
/// are not checked).
fn check_integrity(bytes: &[u8], integrity: &str, url: &str) -> Result<(), String> {
    let Some(expected) = integrity
        .split_whitespace()
        .find_map(|i| i.strip_prefix("sha512-"))
    else {
        return Ok(());
    };
    let got = STANDARD.encode(Sha512::digest(bytes));
    match got == expected {
        true => Ok(()),
        false => Err(format!(
            "{url} does not match the registry's integrity (sha512-{expected})"
        )),
    }
}

/// The file at `path` of a gzipped tarball whose entries sit under one top directory
/// (`package/` for npm).
pub fn extract(tgz: &[u8], path: &str) -> Result<String, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    let entries = archive
        .entries()
        .map_err(|e| format!("not a gzipped tarball: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("not a gzipped tarball: {e}"))?;
        let name = entry
            .path()
            .map_err(|e| format!("an entry without a path: {e}"))?
            .to_string_lossy()
            .to_string();
        let inside = name.split_once('/').map(|(_, rest)| rest).unwrap_or("");
        if inside != path {
            continue;
        }
        if entry.size() > MAX_DOCUMENT {
            return Err(format!("{path} is larger than {MAX_DOCUMENT} bytes"));
        }
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        return Ok(text);
    }
    Err(format!("the package has no {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gzipped tarball of `(path, text)` entries.
    pub(crate) fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(gz);
        for (path, text) in files {
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

    #[test]
    fn the_document_is_read_out_of_the_tarball() {
        let tgz = tarball(&[
            ("package/package.json", "{}"),
            ("package/generated/api.json", "{\"openapi\": \"3.0.3\"}"),
        ]);
        assert_eq!(
            extract(&tgz, "generated/api.json").unwrap(),
            "{\"openapi\": \"3.0.3\"}"
        );
        let err = extract(&tgz, "generated/other.json").unwrap_err();
        assert!(
            err.contains("the package has no generated/other.json"),
            "{err}"
        );
        assert!(extract(b"not gzip", "x").is_err());
    }

    #[test]
    fn integrity_is_checked() {
        let tgz = tarball(&[("package/a", "a")]);
        let good = format!("sha512-{}", STANDARD.encode(Sha512::digest(&tgz)));
        check_integrity(&tgz, &good, "u").unwrap();
        let err = check_integrity(b"other", &good, "u").unwrap_err();
        assert!(err.contains("does not match"), "{err}");
        check_integrity(&tgz, "sha1-abc", "u").unwrap();
    }
}
