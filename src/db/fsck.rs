//! What `shenhe fsck` compares with the blob store: every image row's blob keys, a page at
//! a time in id order, so a million rows are never held at once.

use anyhow::Context;
use uuid::Uuid;

use super::{Db, on_pool};

/// One image row's blobs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImageKeys {
    pub id: i64,
    /// The opaque id used in URLs.
    pub uid: Uuid,
    pub candidate_id: i64,
    pub material: String,
    pub blob_key: String,
    pub thumb_key: String,
}

impl Db {
    /// Up to `limit` image rows with an id above `after_id`, in id order (start at 0; the
    /// next page starts after the last id returned).
    pub async fn image_keys_after(
        &self,
        after_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<ImageKeys>> {
        on_pool!(self, |pool| sqlx::query_as(
            "select id, uid, candidate_id, material, blob_key, thumb_key from images \
             where id > $1 order by id limit $2"
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await)
        .context("listing image blob keys")
    }

    /// Whether an image row is still there (a row found missing its blob may have been
    /// deleted meanwhile).
    pub async fn image_exists(&self, id: i64) -> anyhow::Result<bool> {
        let found: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "select id from images where id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)
        .context("looking up an image")?;
        Ok(found.is_some())
    }
}
