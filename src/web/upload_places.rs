//! Places for uploads whose body is being read. Each holds up to one file (20 MB) in
//! memory, so the node has a fixed number; and one candidate may hold only a few of them
//! (2 by default, what the portal page sends at once), so one candidate's slow uploads
//! cannot take every place. A candidate's place is taken first: an upload waiting for its
//! turn behind the same candidate's uploads holds no node place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::error::ApiError;

/// How long an upload waits for a place before it is told to come back. Waiting reads
/// nothing of the body (the client is held by TCP), so it costs no memory, and a photo that
/// goes through a few seconds late is better for a candidate on a phone than a refusal.
pub const SLOT_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct UploadPlaces {
    node: Arc<Semaphore>,
    per_candidate: usize,
    /// [`SLOT_WAIT`], shorter in unit tests.
    wait: Duration,
    candidates: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
}

/// A held place (the candidate's and the node's); given back when dropped.
#[derive(Debug)]
pub struct Place {
    _node: OwnedSemaphorePermit,
    _candidate: CandidatePlace,
}

impl UploadPlaces {
    pub fn new(node: usize, per_candidate: usize) -> UploadPlaces {
        UploadPlaces {
            node: Arc::new(Semaphore::new(node)),
            per_candidate,
            wait: SLOT_WAIT,
            candidates: Arc::default(),
        }
    }

    /// Waits up to [`SLOT_WAIT`] in all (both places together): 429 when the candidate's own uploads keep their
    /// places that long, 503 when the node's are all taken. Drain the body before answering
    /// the `Err` (see `web::upload::drain`).
    pub async fn take(&self, candidate_id: i64) -> Result<Place, ApiError> {
        let deadline = Instant::now() + self.wait;
        let mut candidate = CandidatePlace::join(self, candidate_id);
        let semaphore = candidate.semaphore.clone();
        match tokio::time::timeout_at(deadline, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => candidate.permit = Some(permit),
            _ => return Err(too_many(self.per_candidate)),
        }
        match tokio::time::timeout_at(deadline, self.node.clone().acquire_owned()).await {
            Ok(Ok(node)) => Ok(Place {
                _node: node,
                _candidate: candidate,
            }),
            _ => Err(ApiError::busy()),
        }
    }
}

fn too_many(per_candidate: usize) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("您已有 {per_candidate} 张照片正在上传，请等它们上传完成后再上传下一张。"),
    )
    .retry_after(5)
}

/// A candidate's place (or the wait for one). The map holds a candidate only while one of
/// their uploads holds or waits for a place, so it stays as small as the uploads at hand.
#[derive(Debug)]
struct CandidatePlace {
    permit: Option<OwnedSemaphorePermit>,
    semaphore: Arc<Semaphore>,
    candidate_id: i64,
    candidates: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
}

impl CandidatePlace {
    fn join(places: &UploadPlaces, candidate_id: i64) -> CandidatePlace {
        let mut map = places.candidates.lock().unwrap_or_else(|e| e.into_inner());
        let semaphore = map
            .entry(candidate_id)
            .or_insert_with(|| Arc::new(Semaphore::new(places.per_candidate)))
            .clone();
        CandidatePlace {
            permit: None,
            semaphore,
            candidate_id,
            candidates: places.candidates.clone(),
        }
    }
}

impl Drop for CandidatePlace {
    fn drop(&mut self) {
        self.permit = None;
        let mut map = self.candidates.lock().unwrap_or_else(|e| e.into_inner());
        // Every holder's clone is taken under this lock: two counts left are the map's and
        // ours, so no one else holds or waits.
        if Arc::strong_count(&self.semaphore) == 2 {
            map.remove(&self.candidate_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(node: usize, per_candidate: usize) -> UploadPlaces {
        UploadPlaces {
            wait: Duration::from_millis(50),
            ..UploadPlaces::new(node, per_candidate)
        }
    }

    #[tokio::test]
    async fn a_third_upload_of_one_candidate_waits_then_is_told_429() {
        let places = places(8, 2);
        let _a = places.take(1).await.unwrap();
        let _b = places.take(1).await.unwrap();
        let third = places.take(1).await.unwrap_err();
        assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(third.message.contains("正在上传"), "{}", third.message);
        assert!(places.take(2).await.is_ok(), "another candidate goes ahead");
    }

    #[tokio::test]
    async fn a_waiting_upload_gets_the_place_its_candidate_gives_back() {
        let places = places(8, 1);
        let first = places.take(1).await.unwrap();
        let waiting = tokio::spawn({
            let places = places.clone();
            async move { places.take(1).await.map(|_| ()) }
        });
        tokio::task::yield_now().await;
        drop(first);
        assert!(waiting.await.unwrap().is_ok());
        assert!(places.candidates.lock().unwrap().is_empty(), "nothing kept");
    }

    #[tokio::test]
    async fn when_the_node_is_full_an_upload_is_told_503() {
        let places = places(1, 2);
        let _held = places.take(1).await.unwrap();
        let busy = places.take(2).await.unwrap_err();
        assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            places.candidates.lock().unwrap().len() == 1,
            "only the holder"
        );
    }
}
