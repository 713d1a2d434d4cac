//! shenhe export, shenhe purge.

use std::process::ExitCode;

use clap::Args;

use crate::config::Config;

/// `shenhe export`.
#[derive(Debug, Args)]
pub struct ExportArgs {}

/// `shenhe purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {}

pub async fn export(_config: &Config, _args: ExportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}

pub async fn purge(_config: &Config, _args: PurgeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
