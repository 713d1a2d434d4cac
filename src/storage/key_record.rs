//! Whether a node's key fits the store, decided against the key id the database records.
//!
//! A node started without the key, or with another one, would answer every image with an
//! error and store new uploads unencrypted (or under its own key) beside the others. So
//! the database records which key the store is under (its id, or [`UNENCRYPTED`]), and a
//! node whose keys cannot read that refuses to start. A key change keeps working: a node
//! whose old keys include the recorded one moves the record to its current key (then
//! `shenhe rekey` moves the blobs). Turning encryption on is a change too; turning it off
//! is not offered (the images would stay encrypted).

use super::crypt::Keyring;

/// The record of a store whose blobs are not encrypted.
pub const UNENCRYPTED: &str = "none";

/// What a node may do after the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// The record names the node's current key (or both say unencrypted).
    Matches,
    /// Go on, after recording this value (a first start, or a key change).
    Record(String),
}

/// Decides from the record (`None` before the first start that records one), the node's
/// keys, and, when there is no record yet, the keys of a few stored blobs (`None` for a
/// plaintext one), so that a store encrypted before records existed is not taken over by
/// the wrong key either. `Err` is the operator's message: why the node must not start
/// and which setting to change.
pub fn check(
    recorded: Option<&str>,
    keys: Option<&Keyring>,
    sampled: &[Option<String>],
) -> Result<KeyCheck, String> {
    let current = keys.map_or_else(|| UNENCRYPTED.to_string(), |k| k.current().id());
    match recorded.map(str::trim) {
        None => match sampled
            .iter()
            .flatten()
            .find(|id| !keys.is_some_and(|k| k.knows(id)))
        {
            Some(id) => Err(refusal(id, keys, "read from a stored image")),
            None => Ok(KeyCheck::Record(current)),
        },
        Some(UNENCRYPTED) if keys.is_none() => Ok(KeyCheck::Matches),
        Some(UNENCRYPTED) => Ok(KeyCheck::Record(current)),
        Some(id) if id == current => Ok(KeyCheck::Matches),
        Some(id) if keys.is_some_and(|k| k.knows(id)) => Ok(KeyCheck::Record(current)),
        Some(id) => Err(refusal(id, keys, "recorded in the database")),
    }
}

fn refusal(store_key: &str, keys: Option<&Keyring>, source: &str) -> String {
    let set_key = "set --encryption-key-file / SHENHE_ENCRYPTION_KEY_FILE (or \
                   --encryption-key / SHENHE_ENCRYPTION_KEY) to that key";
    match keys {
        None => format!(
            "refusing to start: the stored images are encrypted with key {store_key} \
             ({source}), but no encryption key is configured; {set_key}. Without it \
             every image would fail to load and new uploads would be stored unencrypted."
        ),
        Some(keys) => format!(
            "refusing to start: the stored images are encrypted with key {store_key} \
             ({source}), but the configured key is {} and no old key is {store_key}; \
             {set_key}. To change keys, make the new key current, list the old key file \
             in --old-encryption-key-files / SHENHE_OLD_ENCRYPTION_KEY_FILES, and run \
             `shenhe rekey`.",
            keys.current().id()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Key;

    fn key(n: u8) -> Key {
        Key::from_bytes([n; 32])
    }

    fn ring(current: u8, old: &[u8]) -> Keyring {
        Keyring::new(key(current), old.iter().map(|&n| key(n)).collect())
    }

    #[test]
    fn the_first_start_records_the_key_or_unencrypted() {
        let keys = ring(1, &[]);
        assert_eq!(
            check(None, Some(&keys), &[None, Some(key(1).id())]),
            Ok(KeyCheck::Record(key(1).id()))
        );
        assert_eq!(
            check(None, None, &[None]),
            Ok(KeyCheck::Record(UNENCRYPTED.into()))
        );
    }

    #[test]
    fn a_store_encrypted_before_the_record_is_not_taken_over() {
        let sealed = [None, Some(key(1).id())];
        let refused = check(None, None, &sealed).unwrap_err();
        assert!(refused.contains(&key(1).id()), "{refused}");
        assert!(refused.contains("SHENHE_ENCRYPTION_KEY_FILE"), "{refused}");
        let refused = check(None, Some(&ring(2, &[])), &sealed).unwrap_err();
        assert!(
            refused.contains("SHENHE_OLD_ENCRYPTION_KEY_FILES"),
            "{refused}"
        );
        assert_eq!(
            check(None, Some(&ring(2, &[1])), &sealed),
            Ok(KeyCheck::Record(key(2).id()))
        );
    }

    #[test]
    fn a_matching_record_changes_nothing() {
        assert_eq!(
            check(Some(&key(1).id()), Some(&ring(1, &[3])), &[]),
            Ok(KeyCheck::Matches)
        );
        assert_eq!(check(Some(UNENCRYPTED), None, &[]), Ok(KeyCheck::Matches));
    }

    #[test]
    fn a_key_change_or_turning_encryption_on_moves_the_record() {
        assert_eq!(
            check(Some(&key(1).id()), Some(&ring(2, &[1])), &[]),
            Ok(KeyCheck::Record(key(2).id()))
        );
        assert_eq!(
            check(Some(UNENCRYPTED), Some(&ring(2, &[])), &[]),
            Ok(KeyCheck::Record(key(2).id()))
        );
    }

    #[test]
    fn a_missing_or_other_key_is_refused() {
        let recorded = key(1).id();
        let refused = check(Some(&recorded), None, &[]).unwrap_err();
        assert!(
            refused.contains("no encryption key is configured"),
            "{refused}"
        );
        let refused = check(Some(&recorded), Some(&ring(2, &[3])), &[]).unwrap_err();
        assert!(refused.contains(&key(2).id()) && refused.contains(&recorded));
        assert!(refused.contains("shenhe rekey"), "{refused}");
    }
}
