//! Uploaded images and the candidate's edits: every change takes the candidate's row
//! first (an `update` that only succeeds while the status allows edits), so an upload, a
//! delete and a submit of one candidate never interleave, on either engine.

use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Db, now, on_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImageRow {
    pub id: i64,
    /// The opaque id used in URLs.
    pub uid: Uuid,
    pub candidate_id: i64,
    pub material: String,
    pub blob_key: String,
    pub thumb_key: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub sha256: String,
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, uid, candidate_id, material, blob_key, thumb_key, byte_size, \
                       width, height, sha256, created_at";

/// A normalised image whose blobs are already stored.
#[derive(Debug, Clone)]
pub struct NewImage {
    pub candidate_id: i64,
    pub material: String,
    pub blob_key: String,
    pub thumb_key: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub sha256: String,
}

/// Why an edit was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditRefused {
    /// The status does not allow edits (submitted, approved …).
    Locked,
    /// The material already has its maximum number of images.
    Full,
}

/// The statement that takes the candidate's row for the rest of the transaction, and
/// fails (no row) when the status does not allow edits.
const LOCK_EDITABLE: &str = "update candidates set updated_at = $2 \
                             where id = $1 and status in ('draft', 'returned')";

impl Db {
    /// Adds an image unless the status forbids it or the material is full.
    pub async fn insert_image(
        &self,
        image: &NewImage,
        max_images: i64,
    ) -> anyhow::Result<Result<ImageRow, EditRefused>> {
        let at = now();
        let insert = format!(
            "insert into images (uid, candidate_id, material, blob_key, thumb_key, byte_size, \
             width, height, sha256, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             returning {COLUMNS}"
        );
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let locked = sqlx::query(LOCK_EDITABLE)
                .bind(image.candidate_id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if locked == 0 {
                return Ok(Err(EditRefused::Locked));
            }
            let count: i64 = sqlx::query_scalar(
                "select count(*) from images where candidate_id = $1 and material = $2",
            )
            .bind(image.candidate_id)
            .bind(&image.material)
            .fetch_one(&mut *tx)
            .await?;
            if count >= max_images {
                return Ok(Err(EditRefused::Full));
            }
            let row: ImageRow = sqlx::query_as(sqlx::AssertSqlSafe(insert))
                .bind(Uuid::new_v4())
                .bind(image.candidate_id)
                .bind(&image.material)
                .bind(&image.blob_key)
                .bind(&image.thumb_key)
                .bind(image.byte_size)
                .bind(image.width)
                .bind(image.height)
                .bind(&image.sha256)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Ok(row))
        }
        .await)
        .context("saving the image")
    }

    /// Every image of a candidate, oldest first.
    pub async fn images_of_candidate(&self, candidate_id: i64) -> anyhow::Result<Vec<ImageRow>> {
        let sql = format!("select {COLUMNS} from images where candidate_id = $1 order by id");
        on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(candidate_id)
            .fetch_all(pool)
            .await)
        .context("listing the candidate's images")
    }

    /// One image by its opaque id, whoever it belongs to (for staff).
    pub async fn find_image(&self, uid: Uuid) -> anyhow::Result<Option<ImageRow>> {
        let sql = format!("select {COLUMNS} from images where uid = $1");
        on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(uid)
            .fetch_optional(pool)
            .await)
        .context("looking up the image")
    }

    /// One image by its opaque id, only if it belongs to this candidate.
    pub async fn find_candidate_image(
        &self,
        candidate_id: i64,
        uid: Uuid,
    ) -> anyhow::Result<Option<ImageRow>> {
        let sql = format!("select {COLUMNS} from images where uid = $1 and candidate_id = $2");
        on_pool!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(uid)
            .bind(candidate_id)
            .fetch_optional(pool)
            .await)
        .context("looking up the image")
    }

    /// Deletes one of the candidate's images unless the status forbids it. `Ok(Ok(None))`:
    /// no such image of this candidate. The caller deletes the blobs after this commits.
    pub async fn delete_candidate_image(
        &self,
        candidate_id: i64,
        uid: Uuid,
    ) -> anyhow::Result<Result<Option<ImageRow>, EditRefused>> {
        let at = now();
        let delete =
            format!("delete from images where uid = $1 and candidate_id = $2 returning {COLUMNS}");
        on_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let locked = sqlx::query(LOCK_EDITABLE)
                .bind(candidate_id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if locked == 0 {
                return Ok(Err(EditRefused::Locked));
            }
            let row: Option<ImageRow> = sqlx::query_as(sqlx::AssertSqlSafe(delete))
                .bind(uid)
                .bind(candidate_id)
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Ok(row))
        }
        .await)
        .context("deleting the image")
    }
}
