//! The only place with SQL: one concrete `Db` over SQLite or PostgreSQL.
//!
//! SQL is written once in the dialect both engines share (`$1` placeholders, `returning`,
//! `on conflict … do update`, `is distinct from`) and run on whichever pool the URL chose,
//! through [`on_pool!`]. A per-backend branch exists only where the dialects really differ.

pub mod accounts;
pub mod audit;
pub mod audit_search;
pub mod candidates;
pub mod exams;
pub mod export;
pub mod fsck;
pub mod images;
pub mod purge;
pub mod rate_limits;
pub mod recategorise;
pub mod review;
pub mod roster_load;
pub mod sessions;
pub mod settings;
pub mod staff;
pub mod stats;
pub mod submissions;

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, PgPool, SqlitePool};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A connection pool to one of the two supported engines.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression on whichever pool (or transaction) `$db` holds; `$pool` is
/// bound to the concrete `SqlitePool` / `PgPool` in each arm, so the body is compiled
/// once per engine.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The `where` clause of a search whose conditions depend on the filter: each condition is
/// fixed text with `?` for its one value (repeated `?` take the same value), numbered after
/// `first` parameters the caller binds itself. Only which conditions apply varies, never
/// their text, so no value reaches the SQL.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    first: usize,
    parts: Vec<String>,
    pub binds: Vec<Bind>,
}

/// A value for one of the conditions.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Time(time::OffsetDateTime),
}

impl Conditions {
    /// `first`: how many parameters (`$1`…) the caller binds before these.
    pub fn after(first: usize, fixed: &str) -> Conditions {
        Conditions {
            first,
            parts: vec![fixed.to_string()],
            binds: Vec::new(),
        }
    }

    /// A condition without a value.
    pub fn push(&mut self, condition: &str) {
        self.parts.push(condition.to_string());
    }

    pub fn add(&mut self, condition: &str, value: Bind) {
        self.binds.push(value);
        let n = self.first + self.binds.len();
        self.parts.push(condition.replace('?', &format!("${n}")));
    }

    /// The number of the next free parameter.
    pub fn next_param(&self) -> usize {
        self.first + self.binds.len() + 1
    }

    pub fn sql(&self) -> String {
        self.parts.join(" and ")
    }
}

/// Binds every value of a [`Conditions`] to a query, in order.
macro_rules! bind_conditions {
    ($query:expr, $conditions:expr) => {{
        let mut query = $query;
        for value in &$conditions.binds {
            query = match value {
                $crate::db::Bind::Text(v) => query.bind(v.clone()),
                $crate::db::Bind::Int(v) => query.bind(*v),
                $crate::db::Bind::Time(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(crate) use bind_conditions;

#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
}

/// Which engine a [`Db`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Db {
    /// Connects to the database the URL names, creating a SQLite file (and its folder)
    /// when it does not exist yet.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .with_context(|| "parsing the SQLite database URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating the folder {}", parent.display()))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .connect_with(options)
                .await
                .context("opening the SQLite database")?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options =
                PgConnectOptions::from_str(url).context("parsing the PostgreSQL database URL")?;
            Db::connect_postgres(options, max_connections).await?.pool
        } else {
            bail!("unsupported database URL (use sqlite://… or postgres://…)");
        };
        Ok(Db { pool })
    }

    /// Connects to PostgreSQL with explicit options (tests use this to pick a schema).
    pub async fn connect_postgres(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> anyhow::Result<Db> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("connecting to PostgreSQL")?;
        Ok(Db {
            pool: Pool::Postgres(pool),
        })
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs the embedded migrations. On PostgreSQL sqlx holds an advisory lock while it
    /// migrates, so several nodes starting at once apply each migration exactly once.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
        .context("running database migrations")
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        on_pool!(self, |pool| sqlx::query("select 1")
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .context("pinging the database")?;
        Ok(())
    }

    /// Creates a PostgreSQL schema; each test gets its own. Names are restricted to
    /// `[a-z0-9_]` because a schema name cannot be a bind parameter.
    pub async fn create_schema(&self, name: &str) -> anyhow::Result<()> {
        self.schema_statement("create schema", name).await
    }

    pub async fn drop_schema(&self, name: &str) -> anyhow::Result<()> {
        self.schema_statement("drop schema if exists", name).await
    }

    async fn schema_statement(&self, verb: &str, name: &str) -> anyhow::Result<()> {
        let Pool::Postgres(pool) = &self.pool else {
            bail!("schemas exist on PostgreSQL only");
        };
        anyhow::ensure!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "invalid schema name"
        );
        let cascade = if verb.starts_with("drop") {
            " cascade"
        } else {
            ""
        };
        sqlx::query(AssertSqlSafe(format!("{verb} {name}{cascade}")))
            .execute(pool)
            .await
            .with_context(|| format!("{verb} {name}"))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

/// The current time, truncated to microseconds so that it round-trips through both engines.
pub fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now)
}
