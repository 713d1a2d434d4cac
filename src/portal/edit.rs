//! The candidate's changes: upload an image, delete one, submit.
//!
//! An upload's blobs are written (and synced) before its row commits, and deleted again when
//! the row does not commit, so a failed upload leaves neither a row nor an orphan.

use std::time::Duration;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Portal, PortalError, overview};
use crate::db::audit::{Actor, AuditEntry};
use crate::db::images::{EditRefused, ImageRow, NewImage};
use crate::db::submissions::SubmitResult;
use crate::imaging::normalise;
use crate::storage::Storage;

/// How long an upload waits for an imaging slot before it is told to retry.
const IMAGING_WAIT: Duration = Duration::from_secs(3);

/// Normalises `bytes` and adds it to the candidate's `material`.
pub async fn upload(
    portal: &Portal,
    candidate_id: i64,
    material: &str,
    bytes: Bytes,
    now: OffsetDateTime,
) -> Result<ImageRow, PortalError> {
    let overview = current(portal, candidate_id, now).await?;
    let state = overview.editable_material(material)?;
    let full = || PortalError::Full {
        material: state.name.clone(),
        max: state.max_images,
    };
    // Checked again where the row is inserted; this only spares a full material the decode.
    if state.images.len() >= state.max_images as usize {
        return Err(full());
    }
    let permit = tokio::time::timeout(IMAGING_WAIT, portal.imaging.clone().acquire_owned())
        .await
        .map_err(|_| PortalError::Busy)?
        .map_err(|_| PortalError::Busy)?;
    metrics::counter!("shenhe_upload_bytes_total").increment(bytes.len() as u64);
    let limits = portal.limits.clone();
    let span = tracing::Span::current();
    let normalised = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let started = std::time::Instant::now();
        let result = normalise(&bytes, &limits);
        metrics::histogram!("shenhe_image_processing_seconds").record(started.elapsed());
        drop(permit);
        result
    })
    .await
    .map_err(|e| anyhow::anyhow!("joining the imaging thread: {e}"))??;

    let blob_key = Storage::new_key(overview.exam.id);
    let thumb_key = format!("{blob_key}-thumb");
    let photo = normalised.photo;
    let new = NewImage {
        candidate_id,
        material: material.to_string(),
        blob_key: blob_key.clone(),
        thumb_key: thumb_key.clone(),
        byte_size: photo.bytes.len() as i64,
        width: photo.width as i32,
        height: photo.height as i32,
        sha256: hex::encode(Sha256::digest(&photo.bytes)),
    };
    let stored = async {
        portal.storage.put(&blob_key, photo.bytes.into()).await?;
        portal
            .storage
            .put(&thumb_key, normalised.thumb.bytes.into())
            .await?;
        portal
            .db
            .insert_image(&new, i64::from(state.max_images))
            .await
    }
    .await;
    let refused = match stored {
        Ok(Ok(row)) => {
            metrics::counter!("shenhe_uploads_total").increment(1);
            let detail = serde_json::json!({
                "material": material, "image": row.uid, "bytes": row.byte_size,
            });
            audit(portal, candidate_id, "image_uploaded", detail);
            return Ok(row);
        }
        Ok(Err(EditRefused::Full)) => full(),
        Ok(Err(EditRefused::Locked)) => {
            PortalError::NotEditable("材料已提交，不能再修改。".to_string())
        }
        Err(e) => PortalError::Internal(e),
    };
    remove_blobs(&portal.storage, &blob_key, &thumb_key).await;
    Err(refused)
}

/// Deletes one of the candidate's images (while its material may change); returns the
/// material's code.
pub async fn delete_image(
    portal: &Portal,
    candidate_id: i64,
    uid: Uuid,
    now: OffsetDateTime,
) -> Result<String, PortalError> {
    let image = portal
        .db
        .find_candidate_image(candidate_id, uid)
        .await?
        .ok_or(PortalError::NoSuchImage)?;
    let overview = current(portal, candidate_id, now).await?;
    overview.editable_material(&image.material)?;
    let deleted = match portal.db.delete_candidate_image(candidate_id, uid).await? {
        Ok(Some(row)) => row,
        Ok(None) => return Err(PortalError::NoSuchImage),
        Err(_) => {
            return Err(PortalError::NotEditable(
                "材料已提交，不能再修改。".to_string(),
            ));
        }
    };
    remove_blobs(&portal.storage, &deleted.blob_key, &deleted.thumb_key).await;
    audit(
        portal,
        candidate_id,
        "image_deleted",
        serde_json::json!({
            "material": deleted.material, "image": deleted.uid,
        }),
    );
    Ok(deleted.material)
}

/// Submits when every required material has an image; returns the round.
pub async fn submit(
    portal: &Portal,
    candidate_id: i64,
    now: OffsetDateTime,
) -> Result<i32, PortalError> {
    let overview = current(portal, candidate_id, now).await?;
    if let Some(reason) = overview.ineligible_reason() {
        return Err(PortalError::NotEligible(reason.to_string()));
    }
    if let Some(reason) = &overview.refusal {
        return Err(PortalError::NotEditable(reason.clone()));
    }
    let required: Vec<String> = overview
        .materials
        .iter()
        .filter(|m| m.required)
        .map(|m| m.code.clone())
        .collect();
    match portal.db.submit(candidate_id, &required).await? {
        SubmitResult::Submitted { round } => {
            audit(
                portal,
                candidate_id,
                "submitted",
                serde_json::json!({ "round": round }),
            );
            Ok(round)
        }
        SubmitResult::Locked => Err(PortalError::NotEditable(
            overview.status.locked_reason().to_string(),
        )),
        SubmitResult::Missing(codes) => Err(PortalError::Missing(
            codes
                .into_iter()
                .map(|code| {
                    let name = overview
                        .material(&code)
                        .map_or_else(|| code.clone(), |m| m.name.clone());
                    (code, name)
                })
                .collect(),
        )),
    }
}

async fn current(
    portal: &Portal,
    candidate_id: i64,
    now: OffsetDateTime,
) -> Result<super::Overview, PortalError> {
    overview(portal, candidate_id, now)
        .await?
        .ok_or_else(|| PortalError::Internal(anyhow::anyhow!("the signed-in candidate is gone")))
}

/// Best effort: a blob that cannot be deleted is logged by key (which names no person) and
/// left for a sweep.
async fn remove_blobs(storage: &Storage, blob_key: &str, thumb_key: &str) {
    for key in [blob_key, thumb_key] {
        if let Err(e) = storage.delete(key).await {
            tracing::warn!(key, "could not delete a blob: {e:#}");
        }
    }
}

/// Candidate actions go to the audit log, after the response.
fn audit(portal: &Portal, candidate_id: i64, action: &'static str, detail: serde_json::Value) {
    portal.db.record_audit_later(AuditEntry {
        actor: Actor::Candidate(candidate_id),
        action,
        candidate_id: Some(candidate_id),
        ip: None,
        detail: Some(detail),
    });
}
