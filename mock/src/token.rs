//! Opaque, signed page tokens and cursors.
//!
//! A token carries only a position (an offset into the filtered, ordered items) and an
//! HMAC-SHA256 tag over that position and the *binding*: the canonical form of everything else
//! that selects the page (the canonical query, the credential and the path values). A token is
//! therefore valid only for the request that issued it: a forged, truncated or foreign token
//! fails the tag check and is refused with the spec's `invalid-token` status, never a wrong page.
//!
//! The `next-token-only` reading mode serves links that carry nothing but the token, so its
//! tokens also carry the number of the query they stand for (a *carried* token, another version
//! byte); the server keeps the queries, and the tag still covers the binding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Version byte of a plain token, so that a future format can refuse old tokens cleanly.
const VERSION: u8 = 1;
/// Version byte of a token that carries the number of its query.
const CARRYING: u8 = 2;
/// Bytes of the tag kept in the token: 128 bits is plenty against forgery in a test server.
const TAG_LEN: usize = 16;
/// Longest token worth decoding; anything longer is refused before any work.
pub(crate) const MAX_TOKEN_LEN: usize = 128;

/// Signs and checks tokens with a key derived from the mock's seed.
#[derive(Clone)]
pub(crate) struct Signer {
    /// HMAC state with the key already absorbed; cloned per token, which saves rehashing the
    /// key on every request.
    keyed: HmacSha256,
}

impl Signer {
    /// A signer whose key depends on the seed and the API, so that two mocks never accept each
    /// other's tokens.
    pub(crate) fn new(seed: u64, api: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"mock page token key\0");
        h.update(api.as_bytes());
        h.update(seed.to_le_bytes());
        let key: [u8; 32] = h.finalize().into();
        // HMAC accepts keys of any length; 32 bytes is the natural one for SHA-256.
        let keyed = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
        Signer { keyed }
    }

    fn mac(&self, version: u8, binding: &str, offset: u32, carried: u32) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(&[version]);
        mac.update(&offset.to_be_bytes());
        if version == CARRYING {
            mac.update(&carried.to_be_bytes());
        }
        mac.update(binding.as_bytes());
        mac
    }

    /// A token for the page starting at `offset` of the request described by `binding`.
    pub(crate) fn issue(&self, binding: &str, offset: u32) -> String {
        let tag = self
            .mac(VERSION, binding, offset, 0)
            .finalize()
            .into_bytes();
        let mut raw = Vec::with_capacity(1 + 4 + TAG_LEN);
        raw.push(VERSION);
        raw.extend_from_slice(&offset.to_be_bytes());
        raw.extend_from_slice(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The offset a token stands for, if this server issued it for this very request.
    pub(crate) fn verify(&self, binding: &str, token: &str) -> Option<u32> {
        let raw = decode(token)?;
        if raw.len() != 1 + 4 + TAG_LEN || raw[0] != VERSION {
            return None;
        }
        let offset = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
        self.mac(VERSION, binding, offset, 0)
            .verify_truncated_left(&raw[5..])
            .ok()
            .map(|()| offset)
    }

    /// A token that also carries `carried` (the number of the query it continues).
    pub(crate) fn issue_carrying(&self, binding: &str, offset: u32, carried: u32) -> String {
        let tag = self
            .mac(CARRYING, binding, offset, carried)
            .finalize()
            .into_bytes();
        let mut raw = Vec::with_capacity(1 + 8 + TAG_LEN);
        raw.push(CARRYING);
        raw.extend_from_slice(&offset.to_be_bytes());
        raw.extend_from_slice(&carried.to_be_bytes());
        raw.extend_from_slice(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The number a carrying token claims to carry, unverified: the caller looks the query up
    /// with it, then checks the token against the binding made from that query.
    pub(crate) fn carried(&self, token: &str) -> Option<u32> {
        let raw = decode(token)?;
        if raw.len() != 1 + 8 + TAG_LEN || raw[0] != CARRYING {
            return None;
        }
        Some(u32::from_be_bytes([raw[5], raw[6], raw[7], raw[8]]))
    }

    /// The offset of a carrying token, if this server issued it for this binding.
    pub(crate) fn verify_carrying(&self, binding: &str, token: &str) -> Option<u32> {
        let raw = decode(token)?;
        if raw.len() != 1 + 8 + TAG_LEN || raw[0] != CARRYING {
            return None;
        }
        let offset = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
        let carried = u32::from_be_bytes([raw[5], raw[6], raw[7], raw[8]]);
        self.mac(CARRYING, binding, offset, carried)
            .verify_truncated_left(&raw[9..])
            .ok()
            .map(|()| offset)
    }
}

/// The bytes of a token, refusing oversized input before decoding it.
fn decode(token: &str) -> Option<Vec<u8>> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_tampering() {
        let s = Signer::new(1, "api");
        let t = s.issue("per_page=10", 20);
        assert_eq!(s.verify("per_page=10", &t), Some(20));
        assert_eq!(s.verify("per_page=11", &t), None, "foreign query");
        assert_eq!(Signer::new(2, "api").verify("per_page=10", &t), None);
        assert_eq!(
            s.verify("per_page=10", &t[..t.len() - 1]),
            None,
            "truncated"
        );
        let mut flipped = t.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            s.verify("per_page=10", std::str::from_utf8(&flipped).unwrap()),
            None
        );
        assert_eq!(s.verify("per_page=10", &"A".repeat(10_000)), None);
        assert_eq!(s.verify("per_page=10", "!!!"), None);
    }

    #[test]
    fn carrying_tokens_are_another_kind() {
        let s = Signer::new(1, "api");
        let t = s.issue_carrying("q", 5, 3);
        assert_eq!(s.carried(&t), Some(3));
        assert_eq!(s.verify_carrying("q", &t), Some(5));
        assert_eq!(s.verify_carrying("r", &t), None);
        assert_eq!(s.verify("q", &t), None, "a plain check refuses it");
        assert_eq!(s.carried(&s.issue("q", 5)), None);
    }
}
