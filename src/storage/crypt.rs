//! Encryption at rest: AES-256-GCM with a random 96-bit nonce per blob.
//!
//! A stored blob is `MAGIC | version | key id (8 bytes) | nonce (12 bytes) | ciphertext+tag`.
//! The key id (the first 8 bytes of SHA-256 of the key) says which key sealed it, so the
//! current key can change while older blobs stay readable with the old keys. The header is
//! the AEAD's associated data: changing any byte of it, or of the ciphertext, is refused.
//! A blob without the magic is plaintext (stored before a key was configured) and is read
//! as it is.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, bail};
use base64::Engine;
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 6] = b"shenhe";
const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;
/// The bytes at the start of a stored blob that say whether, and under which key, it is
/// sealed.
pub const HEADER_LEN: usize = MAGIC.len() + 1 + KEY_ID_LEN + NONCE_LEN;

/// A 256-bit key. `Debug` shows its id only.
#[derive(Clone)]
pub struct Key {
    cipher: Aes256Gcm,
    id: [u8; KEY_ID_LEN],
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.id())
    }
}

impl Key {
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        let digest = Sha256::digest(bytes);
        let mut id = [0; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Key {
            cipher: Aes256Gcm::new(&bytes.into()),
            id,
        }
    }

    /// A key written as 64 hex digits or as base64 of 32 bytes (surrounding whitespace is
    /// ignored).
    pub fn parse(text: &str) -> anyhow::Result<Key> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text)?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                .context("an encryption key is 64 hex digits or base64 of 32 bytes")?
        };
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("an encryption key has 256 bits (32 bytes)"))?;
        Ok(Key::from_bytes(bytes))
    }

    /// Reads a key file: the key as text (hex or base64), or its 32 raw bytes.
    pub fn read_file(path: &Path) -> anyhow::Result<Key> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the key file {}", path.display()))?;
        if let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(Key::from_bytes(raw));
        }
        let text = String::from_utf8(bytes).unwrap_or_default();
        Key::parse(&text).with_context(|| format!("reading the key file {}", path.display()))
    }

    /// A fresh random key, as the 64 hex digits a key file holds.
    pub fn generate_hex() -> anyhow::Result<String> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(hex::encode(bytes))
    }

    /// The key's id in hex, as logs and reports show it.
    pub fn id(&self) -> String {
        hex::encode(self.id)
    }
}

/// The key new blobs are sealed with, and older keys still accepted for reading.
#[derive(Clone, Debug)]
pub struct Keyring {
    current: Key,
    old: Vec<Key>,
}

impl Keyring {
    pub fn new(current: Key, old: Vec<Key>) -> Keyring {
        Keyring { current, old }
    }

    pub fn current(&self) -> &Key {
        &self.current
    }

    /// Whether the key with this id (hex, as [`Key::id`] shows it) is the current key or
    /// one of the old ones.
    pub fn knows(&self, id: &str) -> bool {
        std::iter::once(&self.current)
            .chain(&self.old)
            .any(|k| k.id() == id)
    }

    /// Encrypts a blob under the current key.
    pub fn seal(&self, plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let mut sealed = Vec::with_capacity(HEADER_LEN + plaintext.len() + 16);
        sealed.extend_from_slice(MAGIC);
        sealed.push(VERSION);
        sealed.extend_from_slice(&self.current.id);
        sealed.extend_from_slice(&nonce);
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &sealed,
                },
            )
            .map_err(|_| anyhow::anyhow!("encrypting a blob"))?;
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Whether a stored blob is already sealed under the current key.
    pub fn is_current(&self, stored: &[u8]) -> bool {
        sealed_key_id(stored) == Some(self.current.id)
    }

    fn key(&self, id: [u8; KEY_ID_LEN]) -> Option<&Key> {
        std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.id == id)
    }
}

/// The id of the key a stored blob was sealed with; `None` for plaintext.
fn sealed_key_id(stored: &[u8]) -> Option<[u8; KEY_ID_LEN]> {
    if stored.len() < HEADER_LEN || !stored.starts_with(MAGIC) {
        return None;
    }
    let at = MAGIC.len() + 1;
    stored[at..at + KEY_ID_LEN].try_into().ok()
}

/// The id (hex) of the key a stored blob, or the first [`HEADER_LEN`] bytes of it, was
/// sealed with; `None` for plaintext.
pub fn sealed_with(stored: &[u8]) -> Option<String> {
    sealed_key_id(stored).map(hex::encode)
}

/// The plaintext of a stored blob: decrypted when it is sealed, as it is when it is not.
pub fn open(keys: Option<&Keyring>, stored: bytes::Bytes) -> anyhow::Result<bytes::Bytes> {
    let Some(id) = sealed_key_id(&stored) else {
        if stored.starts_with(MAGIC) {
            bail!("an encrypted blob is cut short");
        }
        return Ok(stored);
    };
    if stored[MAGIC.len()] != VERSION {
        bail!(
            "a blob in an unknown format (version {})",
            stored[MAGIC.len()]
        );
    }
    let Some(keys) = keys else {
        bail!(
            "a blob is encrypted (key {}) but no encryption key is configured",
            hex::encode(id)
        );
    };
    let Some(key) = keys.key(id) else {
        bail!(
            "a blob is encrypted with key {}, which is neither the current key nor an old one",
            hex::encode(id)
        );
    };
    let (header, ciphertext) = stored.split_at(HEADER_LEN);
    let nonce: [u8; NONCE_LEN] = header[HEADER_LEN - NONCE_LEN..].try_into()?;
    let plaintext = key
        .cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: header,
            },
        )
        .map_err(|_| anyhow::anyhow!("a blob fails its integrity check (altered or damaged)"))?;
    Ok(plaintext.into())
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn key(n: u8) -> Key {
        Key::from_bytes([n; 32])
    }

    const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 a photo of an ID card";

    #[test]
    fn sealed_blobs_round_trip_and_hide_the_plaintext() {
        let keys = Keyring::new(key(1), vec![]);
        let sealed = keys.seal(PHOTO).unwrap();
        assert!(sealed.starts_with(MAGIC));
        assert!(!sealed.windows(3).any(|w| w == b"\xff\xd8\xff"));
        assert!(keys.is_current(&sealed));
        let opened = open(Some(&keys), Bytes::from(sealed.clone())).unwrap();
        assert_eq!(opened, PHOTO);
        // A fresh nonce each time: the same photo never looks the same twice.
        assert_ne!(keys.seal(PHOTO).unwrap(), sealed);
    }

    #[test]
    fn a_wrong_or_missing_key_is_refused() {
        let sealed = Bytes::from(Keyring::new(key(1), vec![]).seal(PHOTO).unwrap());
        let other = Keyring::new(key(2), vec![]);
        let error = open(Some(&other), sealed.clone()).unwrap_err().to_string();
        assert!(error.contains(&key(1).id()), "{error}");
        assert!(open(None, sealed).is_err());
    }

    #[test]
    fn an_old_key_still_reads_what_it_sealed() {
        let sealed = Bytes::from(Keyring::new(key(1), vec![]).seal(PHOTO).unwrap());
        let rotated = Keyring::new(key(2), vec![key(1)]);
        assert!(!rotated.is_current(&sealed));
        assert_eq!(sealed_with(&sealed[..HEADER_LEN]), Some(key(1).id()));
        assert!(rotated.knows(&key(1).id()) && rotated.knows(&key(2).id()));
        assert!(!rotated.knows(&key(3).id()));
        assert_eq!(sealed_with(PHOTO), None);
        assert_eq!(open(Some(&rotated), sealed).unwrap(), PHOTO);
    }

    #[test]
    fn every_tampered_byte_is_refused() {
        let keys = Keyring::new(key(1), vec![]);
        let sealed = keys.seal(PHOTO).unwrap();
        // Past the magic and version (those make it another format): the key id, the
        // nonce, the ciphertext and the tag.
        for i in MAGIC.len() + 1..sealed.len() {
            let mut altered = sealed.clone();
            altered[i] ^= 0x01;
            assert!(open(Some(&keys), Bytes::from(altered)).is_err(), "byte {i}");
        }
        let cut = Bytes::copy_from_slice(&sealed[..HEADER_LEN - 1]);
        assert!(open(Some(&keys), cut).is_err(), "cut short");
    }

    #[test]
    fn plaintext_blobs_pass_through() {
        let keys = Keyring::new(key(1), vec![]);
        assert_eq!(open(Some(&keys), Bytes::from_static(PHOTO)).unwrap(), PHOTO);
        assert_eq!(open(None, Bytes::from_static(PHOTO)).unwrap(), PHOTO);
        assert!(!keys.is_current(PHOTO));
    }

    #[test]
    fn keys_parse_from_hex_base64_and_files() {
        let hex_text = "ab".repeat(32);
        let from_hex = Key::parse(&format!(" {hex_text}\n")).unwrap();
        let from_base64 =
            Key::parse(&base64::engine::general_purpose::STANDARD.encode([0xab; 32])).unwrap();
        assert_eq!(from_hex.id(), from_base64.id());
        assert_eq!(from_hex.id().len(), 16);
        assert!(Key::parse("too short").is_err());
        assert!(Key::parse(&"ab".repeat(16)).is_err());

        let generated = Key::generate_hex().unwrap();
        assert_eq!(generated.len(), 64);
        assert_ne!(generated, Key::generate_hex().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, format!("{generated}\n")).unwrap();
        assert_eq!(
            Key::read_file(&file).unwrap().id(),
            Key::parse(&generated).unwrap().id()
        );
        assert!(!format!("{from_hex:?}").contains(&hex_text));
    }
}
