//! Bulk roster loading through a temporary table on one connection.
//!
//! Rows stream into `roster_load` (PostgreSQL: `COPY`; SQLite: multi-row inserts into its
//! separate temp database, which takes no lock on the main one). Then one read compares
//! them with the stored candidates, and — unless it is a dry run — one statement upserts
//! them all. So the write is atomic (a crash leaves the old roster, never half of the
//! new), a dry run is a pure read, and the planner sees one set-based join instead of a
//! thousand lookups against statistics that are stale while a table grows.

use anyhow::Context;
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::candidates::RosterFacts;
use super::{Db, Pool, now};

/// Rows per multi-row insert on SQLite: 14 parameters each stays under its 32,766 limit.
const SQLITE_CHUNK: usize = 1000;

/// The roster columns, in the order of [`RosterFacts`].
const COLUMNS: [&str; 14] = [
    "id_number",
    "registration_no",
    "name",
    "email",
    "phone",
    "school",
    "school_location",
    "is_student",
    "hukou_text",
    "hukou_province",
    "hukou_city",
    "subject",
    "category",
    "ineligible_reason",
];

enum Connection {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// Runs the same expression on the held connection, whichever engine it is.
macro_rules! on_connection {
    ($load:expr, |$conn:ident| $body:expr) => {
        match &mut $load.connection {
            Connection::Sqlite(c) => {
                let $conn = &mut **c;
                $body
            }
            Connection::Postgres(c) => {
                let $conn = &mut **c;
                $body
            }
        }
    };
}

/// A roster being loaded; see the module documentation.
pub struct RosterLoad {
    connection: Connection,
}

/// How the loaded roster differs from the stored candidates of the exam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct RosterDiff {
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
}

impl Db {
    /// Takes a connection for a roster load and gives it an empty `roster_load` table.
    pub async fn begin_roster_load(&self) -> anyhow::Result<RosterLoad> {
        let connection = match &self.pool {
            Pool::Sqlite(pool) => Connection::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Connection::Postgres(pool.acquire().await?),
        };
        let mut load = RosterLoad { connection };
        let table = format!(
            "create temp table roster_load ({})",
            COLUMNS
                .iter()
                .map(|c| match *c {
                    "is_student" => "is_student boolean not null".to_string(),
                    other => format!("{other} text"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        on_connection!(load, |conn| {
            sqlx::query("drop table if exists roster_load")
                .execute(&mut *conn)
                .await
                .map(|_| ())?;
            sqlx::query(sqlx::AssertSqlSafe(table))
                .execute(&mut *conn)
                .await
                .map(|_| ())
        })
        .context("creating the roster load table")?;
        Ok(load)
    }
}

impl RosterLoad {
    /// Adds rows to the load table.
    pub async fn push(&mut self, rows: &[RosterFacts]) -> anyhow::Result<()> {
        match &mut self.connection {
            Connection::Postgres(conn) => {
                let mut csv = Vec::with_capacity(rows.len() * 200);
                for row in rows {
                    write_csv_row(&mut csv, row);
                }
                let statement = format!(
                    "copy roster_load ({}) from stdin with (format csv)",
                    COLUMNS.join(", ")
                );
                let mut copy = conn.copy_in_raw(&statement).await?;
                copy.send(csv).await?;
                copy.finish().await.context("copying roster rows")?;
            }
            Connection::Sqlite(conn) => {
                for chunk in rows.chunks(SQLITE_CHUNK) {
                    let mut query = QueryBuilder::new(format!(
                        "insert into roster_load ({}) ",
                        COLUMNS.join(", ")
                    ));
                    query.push_values(chunk, |mut b, c| {
                        b.push_bind(&c.id_number)
                            .push_bind(&c.registration_no)
                            .push_bind(&c.name)
                            .push_bind(&c.email)
                            .push_bind(&c.phone)
                            .push_bind(&c.school)
                            .push_bind(&c.school_location)
                            .push_bind(c.is_student)
                            .push_bind(&c.hukou_text)
                            .push_bind(&c.hukou_province)
                            .push_bind(&c.hukou_city)
                            .push_bind(&c.subject)
                            .push_bind(&c.category)
                            .push_bind(&c.ineligible_reason);
                    });
                    query
                        .build()
                        .execute(&mut **conn)
                        .await
                        .context("loading roster rows")?;
                }
            }
        }
        Ok(())
    }

    /// Counts what applying the load would create, update and leave unchanged.
    pub async fn diff(&mut self, exam_id: i64) -> anyhow::Result<RosterDiff> {
        let sql = format!(
            "select count(*) filter (where c.id is null) as created, \
                    count(*) filter (where c.id is not null and ({changed})) as updated, \
                    count(*) filter (where c.id is not null and not ({changed})) as unchanged \
             from roster_load r \
             left join candidates c on c.exam_id = $1 and c.id_number = r.id_number",
            changed = changed_condition("c", "r")
        );
        on_connection!(self, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(exam_id)
            .fetch_one(&mut *conn)
            .await)
        .context("comparing the roster with stored candidates")
    }

    /// Upserts the loaded rows into the exam in one statement; a candidate keeps their id
    /// (and so their uploads). With `diff.unchanged > 0`, unchanged rows are filtered out
    /// first, so re-importing a corrected roster costs what changed, not what was sent;
    /// without any, that filter would only cost time.
    pub async fn apply(&mut self, exam_id: i64, diff: RosterDiff) -> anyhow::Result<()> {
        let columns = COLUMNS.join(", ");
        let updates = COLUMNS[1..]
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        // A `where` clause is needed anyway: without one SQLite reads `on conflict` as
        // part of a join.
        let filter = if diff.unchanged > 0 {
            format!(
                "not exists (select 1 from candidates c \
                 where c.exam_id = $1 and c.id_number = r.id_number and not ({}))",
                changed_condition("c", "r")
            )
        } else {
            "true".to_string()
        };
        // The `on conflict … where` repeats the comparison, so a row changed meanwhile by
        // someone else is still compared with what is stored now.
        let sql = format!(
            "insert into candidates (exam_id, {columns}, created_at, updated_at) \
             select $1, {columns}, $2, $2 from roster_load r where {filter} \
             on conflict (exam_id, id_number) do update set {updates}, \
             updated_at = excluded.updated_at \
             where {changed}",
            changed = changed_condition("candidates", "excluded")
        );
        on_connection!(self, |conn| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(exam_id)
            .bind(now())
            .execute(&mut *conn)
            .await
            .map(|_| ()))
        .context("saving candidates")
    }

    /// Drops the load table, so the connection goes back to the pool clean.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        on_connection!(self, |conn| sqlx::query("drop table if exists roster_load")
            .execute(&mut *conn)
            .await
            .map(|_| ()))
        .context("dropping the roster load table")
    }
}

/// True when any roster column of `stored` differs from `new` (nulls compare equal).
fn changed_condition(stored: &str, new: &str) -> String {
    COLUMNS[1..]
        .iter()
        .map(|c| format!("{stored}.{c} is distinct from {new}.{c}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// One row in PostgreSQL's CSV COPY format: every text quoted (so an empty string stays
/// an empty string), `None` as an unquoted empty field (NULL).
fn write_csv_row(out: &mut Vec<u8>, row: &RosterFacts) {
    let texts: [Option<&str>; 14] = [
        Some(&row.id_number),
        Some(&row.registration_no),
        Some(&row.name),
        Some(&row.email),
        row.phone.as_deref(),
        Some(&row.school),
        row.school_location.as_deref(),
        Some(if row.is_student { "t" } else { "f" }),
        Some(&row.hukou_text),
        row.hukou_province.as_deref(),
        row.hukou_city.as_deref(),
        Some(&row.subject),
        row.category.as_deref(),
        row.ineligible_reason.as_deref(),
    ];
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if let Some(text) = text {
            out.push(b'"');
            for byte in text.bytes() {
                if byte == b'"' {
                    out.push(b'"');
                }
                out.push(byte);
            }
            out.push(b'"');
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_quote_texts_and_leave_nulls_empty() {
        let row = RosterFacts {
            id_number: "420102199001010102".into(),
            registration_no: "1".into(),
            name: "李\"华\"".into(),
            email: "a@b.cn".into(),
            phone: None,
            school: "武汉大学".into(),
            school_location: Some(String::new()),
            is_student: true,
            hukou_text: "湖北武汉".into(),
            hukou_province: Some("湖北省".into()),
            hukou_city: Some("武汉市".into()),
            subject: "小学/语文".into(),
            category: None,
            ineligible_reason: None,
        };
        let mut out = Vec::new();
        write_csv_row(&mut out, &row);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"420102199001010102\",\"1\",\"李\"\"华\"\"\",\"a@b.cn\",,\"武汉大学\",\"\",\"t\",\
             \"湖北武汉\",\"湖北省\",\"武汉市\",\"小学/语文\",,\n"
        );
    }
}
