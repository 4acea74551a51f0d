//! Opaque, signed page tokens and cursors.
//!
//! A token carries only a position (an offset into the filtered, ordered items) and an HMAC-SHA256
//! tag over that position and the *binding*: the canonical form of everything else that selects
//! the page (filters and page size; for DevPayr the key id, project and page size). A token is
//! therefore valid only for the query that issued it: a forged, truncated or foreign token fails
//! the tag check and is refused with the documented `invalid-token` status, never a wrong page.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Version byte, so that a future format can refuse old tokens cleanly.
const VERSION: u8 = 1;
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
    pub(crate) fn new(seed: u64, vendor: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"mock page token key\0");
        h.update(vendor.as_bytes());
        h.update(seed.to_le_bytes());
        let key: [u8; 32] = h.finalize().into();
        // HMAC accepts keys of any length; 32 bytes is the natural one for SHA-256.
        let keyed = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
        Signer { keyed }
    }

    fn mac(&self, binding: &str, offset: u32) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(&[VERSION]);
        mac.update(&offset.to_be_bytes());
        mac.update(binding.as_bytes());
        mac
    }

    /// A token for the page starting at `offset` of the query described by `binding`.
    pub(crate) fn issue(&self, binding: &str, offset: u32) -> String {
        let tag = self.mac(binding, offset).finalize().into_bytes();
        let mut raw = Vec::with_capacity(1 + 4 + TAG_LEN);
        raw.push(VERSION);
        raw.extend_from_slice(&offset.to_be_bytes());
        raw.extend_from_slice(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The offset a token stands for, if this server issued it for this very query.
    pub(crate) fn verify(&self, binding: &str, token: &str) -> Option<u32> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
        if raw.len() != 1 + 4 + TAG_LEN || raw[0] != VERSION {
            return None;
        }
        let offset = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
        self.mac(binding, offset)
            .verify_truncated_left(&raw[5..])
            .ok()
            .map(|()| offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_tampering() {
        let s = Signer::new(1, "peeker");
        let t = s.issue("per_page=10", 20);
        assert_eq!(s.verify("per_page=10", &t), Some(20));
        assert_eq!(s.verify("per_page=11", &t), None, "foreign query");
        assert_eq!(Signer::new(2, "peeker").verify("per_page=10", &t), None);
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
}
