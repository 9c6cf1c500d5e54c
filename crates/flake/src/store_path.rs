//! Store paths of locked inputs, computed from their `narHash` exactly as Nix does for a
//! recursive (NAR) SHA-256 fixed-output path named `source`.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Nix's base-32 alphabet (no `e`, `o`, `u`, `t`).
const NIX32_CHARS: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Decodes a `narHash` (`sha256-<base64>`, or the older `sha256:<nix32 or hex>`) into the digest.
pub fn parse_nar_hash(nar_hash: &str) -> Option<[u8; 32]> {
    let bytes = if let Some(b64) = nar_hash.strip_prefix("sha256-") {
        base64::engine::general_purpose::STANDARD.decode(b64).ok()?
    } else {
        let rest = nar_hash.strip_prefix("sha256:")?;
        match rest.len() {
            64 => decode_hex(rest)?,
            52 => decode_nix32(rest)?,
            _ => return None,
        }
    };
    bytes.try_into().ok()
}

/// The store path `<store_dir>/<hash>-source` of an input locked with `nar_hash`.
pub fn store_path(nar_hash: &str, store_dir: &str) -> Option<String> {
    let digest = parse_nar_hash(nar_hash)?;
    let store_dir = store_dir.trim_end_matches('/');
    let fingerprint = format!("source:sha256:{}:{store_dir}:source", encode_hex(&digest));
    let hash = Sha256::digest(fingerprint.as_bytes());
    let mut compressed = [0u8; 20];
    for (i, byte) in hash.iter().enumerate() {
        compressed[i % 20] ^= byte;
    }
    Some(format!("{store_dir}/{}-source", encode_nix32(&compressed)))
}

/// Nix's base-32 encoding (least significant 5-bit group last, custom alphabet).
pub fn encode_nix32(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let len = (bytes.len() * 8 - 1) / 5 + 1;
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let bit = n * 5;
        let (i, j) = (bit / 8, bit % 8);
        let low = u16::from(bytes[i]) >> j;
        let high = bytes.get(i + 1).map_or(0, |b| u16::from(*b) << (8 - j));
        out.push(NIX32_CHARS[usize::from((low | high) & 0x1f)] as char);
    }
    out
}

/// Decodes Nix's base-32 into `len * 5 / 8` bytes; `None` on a bad character or overflow.
pub fn decode_nix32(text: &str) -> Option<Vec<u8>> {
    let size = text.len() * 5 / 8;
    let mut out = vec![0u8; size];
    for (n, c) in text.bytes().rev().enumerate() {
        let digit = NIX32_CHARS.iter().position(|&x| x == c)? as u16;
        let bit = n * 5;
        let (i, j) = (bit / 8, bit % 8);
        if i >= size {
            if digit != 0 {
                return None;
            }
            continue;
        }
        out[i] |= (digit << j) as u8;
        let carry = digit >> (8 - j);
        if i + 1 < size {
            out[i + 1] |= carry as u8;
        } else if carry != 0 {
            return None;
        }
    }
    Some(out)
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs checked once with `nix-store --print-fixed-path --recursive sha256 <hash> source`
    /// (Nix 2.8.0); the tests need no `nix`.
    const ORACLE: &[(&str, &str)] = &[
        (
            "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=",
            "/nix/store/fpivx4sjcp2vk4rp9nhliln5cwcp3kc6-source",
        ),
        (
            "sha256-OnpEWzNxF/AU4KlqBXM2s5PWvfI5/BS6xQrPvkF5tO8=",
            "/nix/store/i975z4hcjhc4bw99j68avr95b2j06iza-source",
        ),
        (
            "sha256-i3Rc/ENnz62BcrSloeVmAyPicEh4WsrEEYR+INs9TYw=",
            "/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source",
        ),
        (
            "sha256-BBeCZwZImtjP3oYy4WogkQYy5OxNyfNciVSc1AfZgLQ=",
            "/nix/store/z8fi1f38y14lmsyhnph1l98qr3r9x7wr-source",
        ),
        (
            "sha256-mdzxWuTl3lPxjj9VN3R/jybOyTfL5BbYbjDUBKRHWs0=",
            "/nix/store/52h0bs5z8a7msznkdhkab4768hmhxq7s-source",
        ),
        (
            "sha256-hGdgeU2Nk87RAuZyYjyDjFL6LK7dAZN5RE9+hrDTkDU=",
            "/nix/store/h9wn92hv33sizprch7fcp16lfs1k3w5j-source",
        ),
    ];

    #[test]
    fn matches_a_path_nix_fetched() {
        // `nix flake lock` (Nix 2.8) locked a path input with this narHash and copied it to
        // this store path, which then existed on disk.
        assert_eq!(
            store_path(
                "sha256-bZsJIso1URwbhSoVqrjnrnTw30qQQx3ZriTo15rlkyw=",
                "/nix/store"
            )
            .as_deref(),
            Some("/nix/store/xxna311500zqfvdq8d7s3jmlny3xcjj0-source")
        );
    }

    #[test]
    fn honours_store_dir() {
        // `NIX_STORE_DIR=/gnu/store nix-store --print-fixed-path …` (Nix 2.8.0).
        assert_eq!(
            store_path(
                "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=",
                "/gnu/store/"
            )
            .as_deref(),
            Some("/gnu/store/0v9iir12g7h2q692ldlfa6ymwvfzd9rl-source")
        );
    }

    #[test]
    fn older_hash_spellings() {
        let digest = parse_nar_hash("sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=").unwrap();
        // `nix-hash --type sha256 --to-base16 / --to-base32` (Nix 2.8.0).
        let hex = "27e3de14a48357ea472fbba491fa55cc238eee6052aeba49decbf00450016e12";
        let nix32 = "04kf05809w6bvr4vmbjjc3p8w8ycapx9395v5x3ylmw3lhadxqr7";
        assert_eq!(encode_nix32(&digest), nix32);
        assert_eq!(parse_nar_hash(&format!("sha256:{hex}")), Some(digest));
        assert_eq!(parse_nar_hash(&format!("sha256:{nix32}")), Some(digest));
    }

    #[test]
    fn matches_nix_store() {
        for (nar_hash, expected) in ORACLE {
            assert_eq!(
                store_path(nar_hash, "/nix/store").as_deref(),
                Some(*expected),
                "{nar_hash}"
            );
        }
    }

    #[test]
    fn nix32_round_trip() {
        let bytes: Vec<u8> = (0u8..32).map(|b| b.wrapping_mul(37)).collect();
        let text = encode_nix32(&bytes);
        assert_eq!(text.len(), 52);
        assert_eq!(decode_nix32(&text), Some(bytes));
    }

    #[test]
    fn bad_hashes() {
        assert_eq!(store_path("md5-abc", "/nix/store"), None);
        assert_eq!(store_path("sha256-!!!", "/nix/store"), None);
        assert_eq!(store_path("sha256-AAAA", "/nix/store"), None);
        assert_eq!(parse_nar_hash("sha256:zz"), None);
    }
}
