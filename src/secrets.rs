//! Random secrets and their hashes. Keys are shown once and stored only as
//! SHA-256: they carry 256 random bits, so a slow hash adds nothing.

use sha2::{Digest, Sha256};

/// Prefix that makes a leaked key recognisable by secret scanners.
pub const API_KEY_PREFIX: &str = "kmk_";

/// A fresh API key: `kmk_` + 64 hex digits (256 bits from the OS).
pub fn new_api_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{API_KEY_PREFIX}{}", hex(&bytes)))
}

/// `bytes` random bytes from the OS, as hex: approval tokens (32 bytes = 256 bits), nonces.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(hex(&buf))
}

/// A personal e-mail link's secret (approval and report links alike): the
/// token goes into the mail, only its hash is stored; the nonce binds the
/// page's form to the link.
pub struct LinkToken {
    pub token: String,
    pub hash: String,
    pub nonce: String,
}

/// A fresh link token: 256 random bits, with its SHA-256 and a form nonce.
pub fn new_link_token() -> Result<LinkToken, getrandom::Error> {
    let token = random_hex(32)?;
    let nonce = random_hex(16)?;
    Ok(LinkToken { hash: sha256_hex(&token), token, nonce })
}

/// The stored hash of a link token as it came in a URL; `None` when it
/// cannot be one of ours (64 hex digits), so nothing is looked up.
pub fn link_token_hash(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then(|| sha256_hex(token))
}

/// Compares secrets (a form's nonce) in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_distinct() {
        let a = new_api_key().expect("os random");
        let b = new_api_key().expect("os random");
        assert_ne!(a, b);
        assert_eq!(a.len(), API_KEY_PREFIX.len() + 64);
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
