//! The admin dashboard of a node: computed by `db::stats`, and for a large exam kept a
//! short while and recounted in the background, so a room of admins watching it costs one
//! count at a time.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::db::Db;
use crate::db::stats::Dashboard;

/// From this many candidates on, an exam's dashboard is kept a while (see [`keep_for`]): at
/// 1,000,000 it takes about 3 s on PostgreSQL. Smaller exams are counted afresh on every
/// request, so a person watching a small exam sees each submission and decision at once.
pub const KEEP_FROM_CANDIDATES: i64 = 20_000;

/// How long a large exam's dashboard is shown before it is computed again (in the
/// background, the last one shown meanwhile): 10 s, or ten times what computing it took,
/// so that recounting never takes more than a tenth of one database connection.
pub fn keep_for(cost: std::time::Duration) -> std::time::Duration {
    (cost * 10).max(std::time::Duration::from_secs(10))
}

/// The dashboards of one node: the last large one kept, at most one recount at a time.
#[derive(Clone, Debug)]
pub struct Dashboards {
    db: Db,
    kept: Arc<Mutex<Option<Kept>>>,
}

#[derive(Debug)]
struct Kept {
    exam_id: i64,
    since: Instant,
    /// How long computing it took.
    cost: std::time::Duration,
    dashboard: Dashboard,
    refreshing: bool,
}

impl Dashboards {
    pub fn new(db: Db) -> Dashboards {
        Dashboards {
            db,
            kept: Arc::default(),
        }
    }

    /// The exam's dashboard: the kept one while fresh (a stale one too while a background
    /// task recounts), else counted now.
    pub async fn get(&self, exam_id: i64) -> anyhow::Result<Dashboard> {
        if let Some(dashboard) = self.kept(exam_id) {
            return Ok(dashboard);
        }
        let started = Instant::now();
        let dashboard = self.db.dashboard(exam_id, crate::db::now()).await?;
        self.keep(exam_id, &dashboard, started.elapsed());
        Ok(dashboard)
    }

    fn kept(&self, exam_id: i64) -> Option<Dashboard> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let entry = kept.as_mut().filter(|k| k.exam_id == exam_id)?;
        if entry.since.elapsed() >= keep_for(entry.cost) && !entry.refreshing {
            entry.refreshing = true;
            let this = self.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let result = this.db.dashboard(exam_id, crate::db::now()).await;
                if let Err(e) = &result {
                    tracing::warn!("recounting the dashboard: {e:#}");
                }
                let mut kept = this.kept.lock().unwrap_or_else(|e| e.into_inner());
                match (result, kept.as_mut()) {
                    (Ok(dashboard), Some(entry)) if entry.exam_id == exam_id => {
                        entry.dashboard = dashboard;
                        entry.cost = started.elapsed();
                        entry.since = Instant::now();
                        entry.refreshing = false;
                    }
                    (_, Some(entry)) => entry.refreshing = false,
                    _ => {}
                }
            });
        }
        Some(entry.dashboard.clone())
    }

    fn keep(&self, exam_id: i64, dashboard: &Dashboard, cost: std::time::Duration) {
        let candidates: i64 = dashboard.counts.iter().map(|c| c.count).sum();
        if candidates >= KEEP_FROM_CANDIDATES {
            *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(Kept {
                exam_id,
                since: Instant::now(),
                cost,
                dashboard: dashboard.clone(),
                refreshing: false,
            });
        }
    }
}
