//! `shenhe fsck` (the blob store checked against the image rows), `shenhe rekey`, and the
//! start-up check that the configured key fits the store.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use futures::TryStreamExt;
use time::{Duration, OffsetDateTime};

use crate::config::Config;
use crate::db::Db;
use crate::db::fsck::ImageKeys;
use crate::db::settings::ENCRYPTION_KEY_ID;
use crate::storage::key_record::{self, KeyCheck};
use crate::storage::{Key, Storage};

/// A blob without a row younger than this may belong to an upload in progress (its blobs
/// are written before its row commits): it is reported, never removed, never a failure.
const ORPHAN_AGE: Duration = Duration::hours(1);
/// Image rows read per query.
const PAGE: i64 = 1000;

/// A row whose blob is not in the store.
struct Missing {
    image: ImageKeys,
    what: &'static str,
    key: String,
}

/// Lists rows without blobs and blobs without rows; with `repair`, removes the blobs
/// without rows older than an hour. Rows are never deleted. Fails (exit status 1) when
/// something is wrong and was not repaired.
pub async fn fsck(db: &Db, storage: &Storage, repair: bool) -> anyhow::Result<ExitCode> {
    let now = OffsetDateTime::now_utc();
    // The store is listed before the rows are read. A blob written after the listing whose
    // row commits before it is read looks missing; each missing one is looked up again.
    let mut blobs: HashMap<String, OffsetDateTime> = storage
        .list_info("exams")
        .map_ok(|blob| (blob.key, blob.last_modified))
        .try_collect()
        .await?;
    let listed = blobs.len();
    let (mut rows, mut suspects, mut after) = (0, Vec::new(), 0);
    loop {
        let page = db.image_keys_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        rows += page.len();
        for image in page {
            for (what, key) in [("原图", &image.blob_key), ("缩略图", &image.thumb_key)] {
                if blobs.remove(key).is_none() {
                    let key = key.clone();
                    let image = image.clone();
                    suspects.push(Missing { image, what, key });
                }
            }
        }
    }
    let mut missing = Vec::new();
    for suspect in suspects {
        if db.image_exists(suspect.image.id).await? && !storage.exists(&suspect.key).await? {
            missing.push(suspect);
        }
    }
    let mut orphans: Vec<(String, OffsetDateTime)> = blobs.into_iter().collect();
    orphans.sort();
    let (stale, recent): (Vec<_>, Vec<_>) = orphans
        .into_iter()
        .partition(|(_, modified)| now - *modified >= ORPHAN_AGE);

    println!("检查了 {rows} 条图片记录、{listed} 个存储对象。");
    if !missing.is_empty() {
        println!(
            "缺少存储对象的图片记录 {} 条（记录不会被删除；请从备份恢复对象，或请考生重新上传）：",
            missing.len()
        );
        for m in &missing {
            println!(
                "  图片 {}（考生 {}，材料 {}，{}）：{}",
                m.image.uid, m.image.candidate_id, m.image.material, m.what, m.key
            );
        }
    }
    if !stale.is_empty() {
        println!("没有图片记录的存储对象 {} 个：", stale.len());
        for (key, modified) in &stale {
            println!("  {key}（{}前写入）", age(now - *modified));
        }
    }
    let mut removed = 0;
    if repair {
        for (key, _) in &stale {
            storage.delete(key).await?;
            removed += 1;
        }
        if removed > 0 {
            println!("已删除以上 {removed} 个没有图片记录的存储对象。");
        }
    }
    if !recent.is_empty() {
        println!(
            "另有 {} 个没有图片记录的存储对象写入不到一小时（可能是正在进行的上传），未计为问题：",
            recent.len()
        );
        for (key, _) in &recent {
            println!("  {key}");
        }
    }
    let unrepaired = missing.len() + stale.len() - removed;
    if unrepaired == 0 {
        println!("未发现未处理的问题。");
        Ok(ExitCode::SUCCESS)
    } else {
        if !repair && !stale.is_empty() {
            println!("运行 shenhe fsck --repair 删除超过一小时、没有图片记录的存储对象。");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// Stored images looked at when the database has no key record yet (a store from before
/// records existed): their headers only, so a start stays quick on a big bucket.
const SAMPLED_BLOBS: usize = 16;

/// Refuses (with the operator's message) when the configured keys cannot read the store
/// the database describes; records the key on a first start and after a key change. Run
/// before anything writes a blob (`serve`, `rekey`).
pub async fn check_key(db: &Db, storage: &Storage) -> anyhow::Result<()> {
    // Nodes starting together may record at once; the loser reads the winner's record.
    for _ in 0..3 {
        let recorded = db.setting(ENCRYPTION_KEY_ID).await?;
        let sampled = match recorded {
            None => storage.sample_key_ids(SAMPLED_BLOBS).await?,
            Some(_) => Vec::new(),
        };
        match key_record::check(recorded.as_deref(), storage.keyring(), &sampled) {
            Err(refusal) => bail!(refusal),
            Ok(KeyCheck::Matches) => return Ok(()),
            Ok(KeyCheck::Record(value)) => {
                if db
                    .replace_setting(ENCRYPTION_KEY_ID, recorded.as_deref(), &value)
                    .await?
                {
                    tracing::info!(
                        "recorded the blob store's encryption key {value} (was {})",
                        recorded.as_deref().unwrap_or("not recorded")
                    );
                    return Ok(());
                }
            }
        }
    }
    bail!("the recorded encryption key kept changing while this node started; start it again")
}

/// Re-encrypts every blob not under the current key.
pub async fn rekey(db: &Db, storage: &Storage) -> anyhow::Result<()> {
    if !storage.is_encrypted() {
        bail!("未配置加密密钥：请设置 --encryption-key-file 或 SHENHE_ENCRYPTION_KEY");
    }
    check_key(db, storage).await?;
    let report = storage.rekey().await?;
    println!(
        "已重新加密 {} 个存储对象；{} 个已使用当前密钥，跳过；{} 个在处理中已被删除。",
        report.rewritten, report.current, report.gone
    );
    Ok(())
}

/// `serve --demo` and `demo` encrypt from the start: without a configured key they create
/// `<data-dir>/encryption.key` (readable by its owner only), which later runs use by
/// default.
pub fn ensure_demo_key(config: &Config) -> anyhow::Result<()> {
    let file = config.default_key_file();
    if config.has_configured_key() || file.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options
        .open(&file)
        .with_context(|| format!("creating the key file {}", file.display()))?;
    writeln!(out, "{}", Key::generate_hex()?)
        .with_context(|| format!("writing the key file {}", file.display()))?;
    tracing::info!("created the encryption key file {}", file.display());
    Ok(())
}

/// An age in the largest whole unit.
fn age(elapsed: Duration) -> String {
    if elapsed.whole_days() > 0 {
        format!("{} 天", elapsed.whole_days())
    } else if elapsed.whole_hours() > 0 {
        format!("{} 小时", elapsed.whole_hours())
    } else {
        format!("{} 分钟", elapsed.whole_minutes())
    }
}
