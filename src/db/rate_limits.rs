//! Fixed-window rate limits shared by every node: one row per key, one statement per hit.

use anyhow::Context;
use time::OffsetDateTime;

use super::{Db, on_pool};

impl Db {
    /// Counts one hit for `key` at `now` in a window that started after `window_cutoff`
    /// (a row from an older window starts a new one). Returns the hits in the current
    /// window and when it started. One upsert, so concurrent hits on any node all count;
    /// the `set` expressions both read the row as it was before the update.
    pub async fn count_hit(
        &self,
        key: &str,
        now: OffsetDateTime,
        window_cutoff: OffsetDateTime,
    ) -> anyhow::Result<(i32, OffsetDateTime)> {
        on_pool!(self, |pool| sqlx::query_as(
            "insert into rate_limits (key, window_start, hits) values ($1, $2, 1) \
             on conflict (key) do update set \
             hits = case when rate_limits.window_start <= $3 then 1 \
             else rate_limits.hits + 1 end, \
             window_start = case when rate_limits.window_start <= $3 \
             then excluded.window_start else rate_limits.window_start end \
             returning hits, window_start"
        )
        .bind(key)
        .bind(now)
        .bind(window_cutoff)
        .fetch_one(pool)
        .await)
        .context("counting a rate-limited attempt")
    }

    /// Takes one hit back (a sign-in that turned out right). Never below zero; a window
    /// that has ended meanwhile starts again at its next hit anyway.
    pub async fn refund_hit(&self, key: &str) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "update rate_limits set hits = hits - 1 where key = $1 and hits > 0"
        )
        .bind(key)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("giving back a rate-limited attempt")?;
        Ok(())
    }

    /// Deletes the rows of windows that started before `cutoff`; returns how many.
    pub async fn sweep_rate_limits(&self, cutoff: OffsetDateTime) -> anyhow::Result<u64> {
        on_pool!(self, |pool| sqlx::query(
            "delete from rate_limits where window_start <= $1"
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .context("sweeping old rate-limit windows")
    }
}
