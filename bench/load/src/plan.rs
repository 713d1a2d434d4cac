//! What every simulated user shares: the candidates still to take, the photos, the time
//! bound, and the counts the summary prints.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Plan {
    /// Candidates 0..candidates are on the roster; each is taken exactly once.
    pub candidates: usize,
    /// No candidate is taken after this; those already walking finish.
    pub deadline: Instant,
    /// One photo per required material, in the order /api/v1/me lists them.
    pub photos: Vec<&'static [u8]>,
    next: AtomicUsize,
    pub done: AtomicUsize,
    pub failed: AtomicUsize,
    /// Per request name: 503 answers that were retried after Retry-After.
    busy: Mutex<BTreeMap<String, usize>>,
    /// Per request name: the latency of each answered (2xx) request, in microseconds.
    latencies: Mutex<BTreeMap<String, Vec<u64>>>,
}

static PLAN: OnceLock<Plan> = OnceLock::new();

pub fn plan() -> &'static Plan {
    PLAN.get()
        .expect("the plan is installed before the load test starts")
}

impl Plan {
    pub fn install(candidates: usize, time_bound: Duration, photos: Vec<Vec<u8>>) {
        let photos = photos.into_iter().map(|p| &*p.leak()).collect();
        let plan = Plan {
            candidates,
            deadline: Instant::now() + time_bound,
            photos,
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            busy: Mutex::default(),
            latencies: Mutex::default(),
        };
        assert!(PLAN.set(plan).is_ok(), "the plan is installed once");
    }

    /// The next candidate to walk through, unless all are taken or the time is up.
    pub fn take(&self) -> Option<usize> {
        if Instant::now() >= self.deadline {
            return None;
        }
        let i = self.next.fetch_add(1, Relaxed);
        (i < self.candidates).then_some(i)
    }

    /// Candidates taken (started), at most `candidates`.
    pub fn taken(&self) -> usize {
        self.next.load(Relaxed).min(self.candidates)
    }

    pub fn count_busy(&self, name: &str) {
        *self
            .busy
            .lock()
            .unwrap()
            .entry(name.to_string())
            .or_default() += 1;
    }

    pub fn record(&self, name: &str, took: Duration) {
        let mut latencies = self.latencies.lock().unwrap();
        latencies
            .entry(name.to_string())
            .or_default()
            .push(took.as_micros() as u64);
    }

    pub fn busy(&self) -> BTreeMap<String, usize> {
        self.busy.lock().unwrap().clone()
    }

    pub fn latencies(&self) -> BTreeMap<String, Vec<u64>> {
        self.latencies.lock().unwrap().clone()
    }
}
