//! What a candidate can do, without HTTP: see where they stand, upload, delete, submit.
//! The JSON API and the pages both call this, so they cannot disagree.

mod edit;
mod overview;

pub use edit::{delete_image, submit, upload};
pub use overview::{MaterialState, Overview, overview};

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use crate::db::Db;
use crate::db::exams::ExamRow;
use crate::domain::rules::ExamConfig;
use crate::imaging::{ImageError, Limits};
use crate::storage::Storage;
use tokio::sync::Semaphore;

/// What the portal works with.
#[derive(Clone, Debug)]
pub struct Portal {
    pub db: Db,
    pub storage: Storage,
    pub limits: Limits,
    /// Image decoding and encoding slots: one per core. A full house answers `Busy`
    /// rather than queueing without limit.
    imaging: Arc<Semaphore>,
    /// The last exam config parsed, by exam id and version: every page view needs the
    /// rules, and parsing the TOML (with its school list) each time would be waste.
    rules: Arc<Mutex<Option<CachedRules>>>,
}

#[derive(Debug)]
struct CachedRules {
    exam_id: i64,
    updated_at: OffsetDateTime,
    rules: Arc<ExamConfig>,
}

impl Portal {
    pub fn new(db: Db, storage: Storage, limits: Limits) -> Portal {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Portal {
            db,
            storage,
            limits,
            imaging: Arc::new(Semaphore::new(cores)),
            rules: Arc::default(),
        }
    }

    /// The exam's rules, parsed once per version of its config.
    pub(crate) fn rules(&self, exam: &ExamRow) -> anyhow::Result<Arc<ExamConfig>> {
        let mut cached = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cached.as_ref()
            && c.exam_id == exam.id
            && c.updated_at == exam.updated_at
        {
            return Ok(c.rules.clone());
        }
        let rules = Arc::new(ExamConfig::parse(&exam.config).map_err(|errors| {
            anyhow::anyhow!("the stored exam config does not parse: {errors:?}")
        })?);
        *cached = Some(CachedRules {
            exam_id: exam.id,
            updated_at: exam.updated_at,
            rules: rules.clone(),
        });
        Ok(rules)
    }
}

/// Why a candidate's request was refused. `Display` is the message for the candidate.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The material is not one this candidate's category asks for.
    #[error("您的报考类别不需要上传这类材料。")]
    NoSuchMaterial,
    /// No such image of this candidate (also for another candidate's image).
    #[error("图片不存在或已被删除。")]
    NoSuchImage,
    /// The candidate cannot be reviewed here.
    #[error("{0}")]
    NotEligible(String),
    /// The status or the window does not allow changes now; the text says why.
    #[error("{0}")]
    NotEditable(String),
    #[error("“{material}”最多上传 {max} 张图片。请先删除不需要的图片，再上传新的。")]
    Full { material: String, max: u32 },
    #[error(transparent)]
    Image(#[from] ImageError),
    /// Required materials without an image: (code, name).
    #[error("以下材料还没有上传：{}。请上传后再提交。", names(.0))]
    Missing(Vec<(String, String)>),
    /// The upload itself failed (connection dropped, no file in the form); the text says
    /// what to do.
    #[error("{0}")]
    Upload(String),
    /// Every imaging slot is taken.
    #[error("当前上传人数较多，请稍等片刻后重试。")]
    Busy,
    #[error("系统繁忙，请稍后再试。")]
    Internal(#[from] anyhow::Error),
}

fn names(missing: &[(String, String)]) -> String {
    missing
        .iter()
        .map(|(_, name)| format!("“{name}”"))
        .collect::<Vec<_>>()
        .join("、")
}
