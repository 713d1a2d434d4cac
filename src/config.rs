//! One typed configuration: every setting is a flag and an environment variable,
//! and the defaults need no setup at all (a `./data` folder with SQLite and blobs).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Folder for the embedded database and the local blob store.
    #[arg(long, env = "SHENHE_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://path/to/file.db` or `postgres://user@host/db`.
    /// Default: `sqlite://<data-dir>/shenhe.db`.
    #[arg(long, env = "SHENHE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Maximum number of database connections per process.
    #[arg(
        long,
        env = "SHENHE_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    /// Blob storage URL: `file:///absolute/path`. Default: `<data-dir>/blobs`.
    #[arg(long, env = "SHENHE_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,

    /// Log format.
    #[arg(long, env = "SHENHE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Log filter, in `tracing` env-filter syntax.
    #[arg(long, env = "SHENHE_LOG", default_value = "info", global = true)]
    pub log: String,
}

/// Settings of `shenhe serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address the web server listens on.
    #[arg(long, env = "SHENHE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Load the demo exam, candidates and staff before serving (idempotent).
    #[arg(long, env = "SHENHE_DEMO")]
    pub demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("shenhe.db").display()))
    }

    pub fn storage_url(&self) -> String {
        self.storage_url.clone().unwrap_or_else(|| {
            let blobs = self.data_dir.join("blobs");
            let absolute = std::path::absolute(&blobs).unwrap_or(blobs);
            format!("file://{}", absolute.display())
        })
    }
}
