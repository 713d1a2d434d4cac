//! The only place that touches blobs: uploaded images, behind one type over a local folder
//! or an S3-compatible bucket, encrypted at rest when a key is configured.
//!
//! Blob keys are random and carry no personal data: `exams/<exam id>/<uuid>`.

pub mod crypt;
pub mod key_record;
pub mod s3;

use std::sync::Arc;

use anyhow::{Context, bail};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use time::OffsetDateTime;

pub use crypt::{Key, Keyring};
pub use s3::S3Settings;

/// What [`Storage::open_with`] needs: where the blobs are, and the keys.
#[derive(Clone, Debug)]
pub struct StorageConfig {
    /// `file:///absolute/path` or `s3://bucket/prefix`.
    pub url: String,
    pub s3: S3Settings,
    /// Without keys blobs are stored as they are.
    pub keys: Option<Keyring>,
}

impl StorageConfig {
    /// The store at a URL, unencrypted, with S3 settings from the environment.
    pub fn new(url: impl Into<String>) -> StorageConfig {
        StorageConfig {
            url: url.into(),
            s3: S3Settings::default(),
            keys: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: String,
    keys: Option<Keyring>,
}

/// One stored blob, as a listing shows it.
#[derive(Clone, Debug)]
pub struct BlobInfo {
    pub key: String,
    pub last_modified: OffsetDateTime,
}

/// What `rekey` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RekeyReport {
    /// Blobs already under the current key, left alone.
    pub current: u64,
    /// Blobs re-encrypted under the current key (plaintext or an old key before).
    pub rewritten: u64,
    /// Blobs deleted between the listing and the rewrite.
    pub gone: u64,
}

impl Storage {
    /// The unencrypted store a URL names (see [`Storage::open_with`]).
    pub fn open(url: &str) -> anyhow::Result<Storage> {
        Storage::open_with(&StorageConfig::new(url))
    }

    /// Opens `file:///absolute/path` (the folder is created when missing) or
    /// `s3://bucket/prefix`.
    pub fn open_with(config: &StorageConfig) -> anyhow::Result<Storage> {
        let (store, description) = if let Some(folder) = config.url.strip_prefix("file://") {
            open_folder(folder)?
        } else if let Some(location) = config.url.strip_prefix("s3://") {
            s3::open(location, &config.s3)?
        } else {
            bail!("unsupported storage URL (use file:///absolute/path or s3://bucket/prefix)");
        };
        let description = match &config.keys {
            Some(keys) => format!("{description}, encrypted with key {}", keys.current().id()),
            None => format!("{description}, not encrypted"),
        };
        Ok(Storage {
            store,
            description,
            keys: config.keys.clone(),
        })
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn is_encrypted(&self) -> bool {
        self.keys.is_some()
    }

    /// The keys blobs are sealed and opened with; `None`: stored as they are.
    pub fn keyring(&self) -> Option<&Keyring> {
        self.keys.as_ref()
    }

    /// The key ids of up to `limit` stored images (`None` for a plaintext one), from the
    /// first bytes of each, for the start-up check in `key_record`.
    pub async fn sample_key_ids(&self, limit: usize) -> anyhow::Result<Vec<Option<String>>> {
        let blobs: Vec<BlobInfo> = self.list_info("exams").take(limit).try_collect().await?;
        let mut ids = Vec::with_capacity(blobs.len());
        for blob in blobs {
            let path = Path::from(blob.key.as_str());
            let header = match self
                .store
                .get_range(&path, 0..crypt::HEADER_LEN as u64)
                .await
            {
                Ok(header) => header,
                Err(object_store::Error::NotFound { .. }) => continue,
                // An empty object has no range to read; it is not sealed.
                Err(_) if self.store.head(&path).await.is_ok_and(|m| m.size == 0) => Bytes::new(),
                Err(e) => return Err(e).context("reading a blob's header"),
            };
            ids.push(crypt::sealed_with(&header));
        }
        Ok(ids)
    }

    /// A fresh key for a new blob of the exam.
    pub fn new_key(exam_id: i64) -> String {
        format!("exams/{exam_id}/{}", uuid::Uuid::new_v4())
    }

    /// Stores a blob, sealed under the current key when there is one: the bytes leave the
    /// process encrypted.
    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        let stored = match &self.keys {
            Some(keys) => Bytes::from(keys.seal(&bytes)?),
            None => bytes,
        };
        self.put_stored(key, stored).await
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let stored = self.get_stored(key).await?;
        crypt::open(self.keys.as_ref(), stored).with_context(|| format!("reading the blob {key}"))
    }

    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e).context("deleting a blob"),
        }
    }

    /// Whether a blob is there.
    pub async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        match self.store.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e).context("looking up a blob"),
        }
    }

    /// Every key under a prefix (e.g. `exams/3`).
    pub async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        self.list_info(prefix)
            .map_ok(|blob| blob.key)
            .try_collect()
            .await
    }

    /// Every blob under a prefix with its age, as the store lists them (in no set order).
    pub fn list_info(&self, prefix: &str) -> BoxStream<'static, anyhow::Result<BlobInfo>> {
        let prefix = Path::from(prefix);
        self.store
            .list(Some(&prefix))
            .map(|meta| {
                let meta = meta.context("listing blobs")?;
                let last_modified =
                    OffsetDateTime::from_unix_timestamp(meta.last_modified.timestamp())
                        .context("a blob's modification time")?;
                Ok(BlobInfo {
                    key: meta.location.to_string(),
                    last_modified,
                })
            })
            .boxed()
    }

    /// Re-encrypts every blob under `exams/` that is not sealed with the current key
    /// (plaintext, or an old key). Blobs already current are skipped, so an interrupted run
    /// resumes where it stopped. A blob deleted while it is rewritten may come back;
    /// `shenhe fsck --repair` removes such strays.
    pub async fn rekey(&self) -> anyhow::Result<RekeyReport> {
        let Some(keys) = &self.keys else {
            bail!("no encryption key is configured");
        };
        let blobs = self.list("exams").await?;
        let mut report = RekeyReport::default();
        let mut outcomes = futures::stream::iter(blobs)
            .map(|key| self.rekey_one(keys, key))
            .buffer_unordered(4);
        while let Some(outcome) = outcomes.next().await {
            match outcome? {
                Rekeyed::Current => report.current += 1,
                Rekeyed::Rewritten => report.rewritten += 1,
                Rekeyed::Gone => report.gone += 1,
            }
        }
        Ok(report)
    }

    async fn rekey_one(&self, keys: &Keyring, key: String) -> anyhow::Result<Rekeyed> {
        let stored = match self.store.get(&Path::from(key.as_str())).await {
            Ok(result) => result.bytes().await.context("reading a blob")?,
            Err(object_store::Error::NotFound { .. }) => return Ok(Rekeyed::Gone),
            Err(e) => return Err(e).context("reading a blob"),
        };
        if keys.is_current(&stored) {
            return Ok(Rekeyed::Current);
        }
        let plaintext =
            crypt::open(Some(keys), stored).with_context(|| format!("reading the blob {key}"))?;
        self.put_stored(&key, Bytes::from(keys.seal(&plaintext)?))
            .await?;
        Ok(Rekeyed::Rewritten)
    }

    async fn put_stored(&self, key: &str, stored: Bytes) -> anyhow::Result<()> {
        self.store
            .put(&Path::from(key), PutPayload::from_bytes(stored))
            .await
            .context("storing a blob")?;
        Ok(())
    }

    async fn get_stored(&self, key: &str) -> anyhow::Result<Bytes> {
        let result = self
            .store
            .get(&Path::from(key))
            .await
            .context("reading a blob")?;
        result.bytes().await.context("reading a blob")
    }

    /// Checks that the store takes writes (for `/readyz`): uploads need that, and a lookup
    /// alone succeeds even on a folder that has gone away.
    pub async fn ping(&self) -> anyhow::Result<()> {
        self.store
            .put(&Path::from(PROBE_KEY), PutPayload::from_static(b"ok"))
            .await
            .context("writing to blob storage")?;
        Ok(())
    }
}

enum Rekeyed {
    Current,
    Rewritten,
    Gone,
}

fn open_folder(folder: &str) -> anyhow::Result<(Arc<dyn ObjectStore>, String)> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("creating the blob folder {folder}"))?;
    let store = LocalFileSystem::new_with_prefix(folder)
        .with_context(|| format!("opening the blob folder {folder}"))?
        .with_automatic_cleanup(true)
        // An upload's row commits only after its blob is on disk: a crash must not leave
        // a row that points at nothing.
        .with_fsync(true);
    Ok((Arc::new(store), format!("local folder {folder}")))
}

/// The object `/readyz` writes; it holds no data of anyone.
const PROBE_KEY: &str = "readyz-probe";
