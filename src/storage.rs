//! The only place that touches blobs: uploaded images, behind one type over a local folder
//! (object storage such as S3 plugs in here later).
//!
//! Blob keys are random and carry no personal data: `exams/<exam id>/<uuid>`.

use std::sync::Arc;

use anyhow::{Context, bail};
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl Storage {
    /// Opens the store a URL names. Only `file:///absolute/path` for now; the folder is
    /// created when missing.
    pub fn open(url: &str) -> anyhow::Result<Storage> {
        let Some(folder) = url.strip_prefix("file://") else {
            bail!("unsupported storage URL (use file:///absolute/path)");
        };
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating the blob folder {folder}"))?;
        let store = LocalFileSystem::new_with_prefix(folder)
            .with_context(|| format!("opening the blob folder {folder}"))?
            .with_automatic_cleanup(true)
            // An upload's row commits only after its blob is on disk: a crash must not leave
            // a row that points at nothing.
            .with_fsync(true);
        Ok(Storage {
            store: Arc::new(store),
            description: format!("local folder {folder}"),
        })
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// A fresh key for a new blob of the exam.
    pub fn new_key(exam_id: i64) -> String {
        format!("exams/{exam_id}/{}", uuid::Uuid::new_v4())
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.store
            .put(&Path::from(key), PutPayload::from_bytes(bytes))
            .await
            .context("storing a blob")?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let result = self
            .store
            .get(&Path::from(key))
            .await
            .context("reading a blob")?;
        result.bytes().await.context("reading a blob")
    }

    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e).context("deleting a blob"),
        }
    }

    /// Every key under a prefix (e.g. `exams/3`).
    pub async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let prefix = Path::from(prefix);
        self.store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .context("listing blobs")
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

/// The object `/readyz` writes; it holds no data of anyone.
const PROBE_KEY: &str = "readyz-probe";
