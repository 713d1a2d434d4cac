//! Running an export: rows stream from the database on the async side, in batches, to a
//! blocking thread that formats them (see `sheet`), so memory stays bounded however many
//! rows there are. Every export, whoever asks, is audited with its row count.

use std::io::Write;

use anyhow::Context;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::json;
use tokio::sync::mpsc;

use super::line::Labels;
use super::options::ExportOptions;
use super::sheet::{self, Batch};
use crate::db::Db;
use crate::db::audit::{Actor, AuditEntry};
use crate::db::exams::ExamRow;

/// Rows per batch handed to the writing thread.
const BATCH: usize = 1000;
/// Bytes per chunk of a streamed answer.
const CHUNK: usize = 64 * 1024;

/// Writes the exam's export to `out` and returns the number of rows. Nothing is audited
/// here; see [`audit_entry`].
pub async fn write_export(
    db: &Db,
    exam: &ExamRow,
    options: ExportOptions,
    mut out: Box<dyn Write + Send>,
) -> anyhow::Result<u64> {
    let labels = Labels::of(exam);
    let (sender, receiver) = mpsc::channel::<Batch>(4);
    let writer = tokio::task::spawn_blocking(move || sheet::write(options, receiver, &mut *out));
    let read = async {
        let mut rows = db.export_rows(exam.id, options.status.statuses());
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(row) = rows.next().await {
            batch.push(labels.line(row?));
            if batch.len() == BATCH
                && !send(&sender, Batch::Lines(std::mem::take(&mut batch))).await
            {
                return Ok(false);
            }
        }
        Ok::<_, anyhow::Error>(
            send(&sender, Batch::Lines(batch)).await && send(&sender, Batch::End).await,
        )
    }
    .await;
    drop(sender);
    let written = writer.await.context("the export writer stopped")?;
    read?;
    written
}

/// `false`: the writer is gone (it failed; its error says why).
async fn send(sender: &mpsc::Sender<Batch>, batch: Batch) -> bool {
    sender.send(batch).await.is_ok()
}

/// The export as a stream of bytes for an HTTP answer, produced by a task of its own.
/// The audit row is written when the last row is out, before the stream ends; a failure
/// part-way ends the stream with an error, so a client never takes a cut file for a whole.
pub fn stream_export(
    db: Db,
    exam: ExamRow,
    options: ExportOptions,
    actor: Actor,
    ip: Option<String>,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    let (sender, receiver) = mpsc::channel::<std::io::Result<Bytes>>(8);
    let out = ChannelWriter {
        sender: sender.clone(),
        buffer: Vec::with_capacity(CHUNK),
    };
    tokio::spawn(async move {
        match write_export(&db, &exam, options, Box::new(out)).await {
            Ok(rows) => {
                let entry = audit_entry(actor, ip, &exam, options, rows);
                if let Err(e) = db.record_audit(entry).await {
                    tracing::error!("an export was not audited: {e:#}");
                    let _ = sender
                        .send(Err(std::io::Error::other("audit failed")))
                        .await;
                }
            }
            Err(e) => {
                tracing::warn!("export stopped: {e:#}");
                let _ = sender
                    .send(Err(std::io::Error::other("export failed")))
                    .await;
                // A download cut short (the client left, or the database failed) is audited
                // too: personal data may have left.
                let mut entry = audit_entry(actor, ip, &exam, options, 0);
                if let Some(detail) = entry.detail.as_mut() {
                    detail["rows"] = serde_json::Value::Null;
                    detail["complete"] = serde_json::Value::Bool(false);
                }
                if let Err(e) = db.record_audit(entry).await {
                    tracing::error!("an export was not audited: {e:#}");
                }
            }
        }
    });
    futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
    .boxed()
}

/// The audit row of an export (`results_exported`).
pub fn audit_entry(
    actor: Actor,
    ip: Option<String>,
    exam: &ExamRow,
    options: ExportOptions,
    rows: u64,
) -> AuditEntry {
    AuditEntry {
        actor,
        action: "results_exported",
        candidate_id: None,
        ip,
        detail: Some(json!({
            "exam": exam.code,
            "format": options.format.as_str(),
            "encoding": options.encoding.as_str(),
            "status": options.status.as_str(),
            "rows": rows,
        })),
    }
}

/// A blocking writer whose bytes become chunks of a stream (the answer's body). Writing
/// waits while the client is slow; it fails once the client is gone.
struct ChannelWriter {
    sender: mpsc::Sender<std::io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send_buffer(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send_buffer()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buffer()
    }
}
