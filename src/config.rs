//! One typed configuration: every setting is a flag and an environment variable,
//! and the defaults need no setup at all (a `./data` folder with SQLite and blobs).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use crate::storage::{Key, Keyring, S3Settings, StorageConfig};

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

    /// Blob storage URL: `file:///absolute/path` or `s3://bucket/prefix` (credentials from
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`). Default: `<data-dir>/blobs`.
    #[arg(long, env = "SHENHE_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,

    /// S3 endpoint for an S3-compatible server, e.g. `http://127.0.0.1:9000`. Default: AWS.
    #[arg(long, env = "SHENHE_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// S3 region.
    #[arg(
        long,
        env = "SHENHE_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,

    /// File holding the 256-bit key blobs are encrypted with (64 hex digits or base64).
    /// Default: `<data-dir>/encryption.key` when that file exists; else blobs are stored
    /// unencrypted.
    #[arg(long, env = "SHENHE_ENCRYPTION_KEY_FILE", global = true)]
    pub encryption_key_file: Option<PathBuf>,

    /// The encryption key itself (64 hex digits or base64), instead of a file.
    #[arg(
        long,
        env = "SHENHE_ENCRYPTION_KEY",
        hide_env_values = true,
        conflicts_with = "encryption_key_file",
        global = true
    )]
    pub encryption_key: Option<String>,

    /// Files of earlier keys, comma-separated: blobs they encrypted stay readable (until
    /// `shenhe rekey` re-encrypts them with the current key).
    #[arg(
        long,
        env = "SHENHE_OLD_ENCRYPTION_KEY_FILES",
        value_delimiter = ',',
        global = true
    )]
    pub old_encryption_key_files: Vec<PathBuf>,

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

    /// Serve Prometheus metrics at `/metrics` on this address (an internal one, e.g.
    /// `127.0.0.1:9090`). Default: no metrics.
    #[arg(long, env = "SHENHE_METRICS_ADDRESS")]
    pub metrics_address: Option<SocketAddr>,

    #[command(flatten)]
    pub web: WebSettings,
}

/// How the web server treats sign-ins, passwords and clients.
#[derive(Debug, Clone, Args)]
pub struct WebSettings {
    /// Minimum length of a new password.
    #[arg(long, env = "SHENHE_PASSWORD_MIN_LENGTH", default_value_t = 8)]
    pub password_min_length: usize,

    /// Whether a new password must contain both letters and digits.
    #[arg(long, env = "SHENHE_PASSWORD_LETTERS_AND_DIGITS", default_value_t = true, action = clap::ArgAction::Set)]
    pub password_letters_and_digits: bool,

    /// Mark cookies `Secure` (set this when the site is served over https, e.g. behind a
    /// TLS-terminating proxy).
    #[arg(long, env = "SHENHE_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// A request header that carries the client's address, set by a reverse proxy in front
    /// (e.g. `X-Real-IP`). Without it, the connection's peer address is used.
    #[arg(long, env = "SHENHE_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// Reverse proxies whose `--client-ip-header` is believed, as addresses or CIDR blocks,
    /// comma-separated (e.g. `127.0.0.1,10.0.0.0/8`). The client is the right-most address
    /// in the header that is not one of them. Default with a header set: loopback only.
    #[arg(long, env = "SHENHE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = proxy_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Sign-in attempts allowed per client address per minute (counted by all nodes
    /// together, in one-minute windows). Behind a proxy without `--client-ip-header` every
    /// candidate shares one address, so keep it generous.
    #[arg(long, env = "SHENHE_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 30)]
    pub login_attempts_per_minute: u32,

    /// Minutes without a request after which a staff member's session ends (candidates'
    /// end after 30).
    #[arg(long, env = "SHENHE_STAFF_IDLE_MINUTES", default_value_t = 20)]
    pub staff_idle_minutes: u32,

    #[command(flatten)]
    pub clients: ClientLimits,
}

/// What a slow or greedy client may hold: each number is in README's settings table.
#[derive(Debug, Clone, Args)]
pub struct ClientLimits {
    /// Seconds a client has to send a request's headers, counted from the connection (and,
    /// on a kept-alive connection, from the previous answer): it is also the keep-alive
    /// idle timeout. A slowloris client is cut off after this.
    #[arg(long, env = "SHENHE_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,

    /// Open connections allowed from one client address (an IPv6 address counts per /64);
    /// one more is answered 503 and closed, the others keep working.
    #[arg(long, env = "SHENHE_CONNECTIONS_PER_ADDRESS", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub connections_per_address: u32,

    /// A request body (an upload, a form) must bring at least this many KiB in every
    /// `--body-rate-window-secs` of waiting for it, or it is cut off: an upload is answered
    /// 408 and its place given to the next one. `0` turns the check off.
    #[arg(long, env = "SHENHE_BODY_MIN_KIB", default_value_t = 16)]
    pub body_min_kib: u32,

    /// The window of `--body-min-kib`, in seconds.
    #[arg(long, env = "SHENHE_BODY_RATE_WINDOW_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_rate_window_secs: u64,

    /// Uploads of one candidate read at once; one more waits for one of them (up to 20 s),
    /// then is told 429.
    #[arg(long, env = "SHENHE_UPLOADS_PER_CANDIDATE", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub uploads_per_candidate: u32,

    /// Uploads read at once on this node, each holding up to one file in memory. Default:
    /// 8 per core.
    #[arg(long, env = "SHENHE_UPLOAD_PLACES", value_parser = clap::value_parser!(u32).range(1..))]
    pub upload_places: Option<u32>,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            header_timeout_secs: 10,
            connections_per_address: 64,
            body_min_kib: 16,
            body_rate_window_secs: 10,
            uploads_per_candidate: 2,
            upload_places: None,
        }
    }
}

impl ClientLimits {
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }

    pub fn body_rate_window(&self) -> Duration {
        Duration::from_secs(self.body_rate_window_secs)
    }

    /// The node's upload places: the setting, else 8 per core.
    pub fn upload_places(&self) -> usize {
        self.upload_places.map_or_else(
            || 8 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            |n| n as usize,
        )
    }
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            password_min_length: 8,
            password_letters_and_digits: true,
            secure_cookies: false,
            client_ip_header: None,
            trusted_proxies: Vec::new(),
            login_attempts_per_minute: 30,
            staff_idle_minutes: 20,
            clients: ClientLimits::default(),
        }
    }
}

/// A trusted proxy: a CIDR block, or one address (a block of one).
fn proxy_net(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("not an address or CIDR block: {text}"))
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

    /// Where blobs go and the keys they are encrypted with (read from their files now).
    pub fn storage_config(&self) -> anyhow::Result<StorageConfig> {
        Ok(StorageConfig {
            url: self.storage_url(),
            s3: S3Settings {
                endpoint: self.s3_endpoint.clone(),
                region: self.s3_region.clone(),
                ..S3Settings::default()
            },
            keys: self.keyring()?,
        })
    }

    /// The key file `serve --demo` and `demo` create when no key is configured, and which
    /// is used by default whenever it exists.
    pub fn default_key_file(&self) -> PathBuf {
        self.data_dir.join("encryption.key")
    }

    /// Whether a key is configured (by flag or environment, not the default file).
    pub fn has_configured_key(&self) -> bool {
        self.encryption_key.is_some() || self.encryption_key_file.is_some()
    }

    fn keyring(&self) -> anyhow::Result<Option<Keyring>> {
        let current = match (&self.encryption_key, &self.encryption_key_file) {
            (Some(text), _) => Some(Key::parse(text).context("reading SHENHE_ENCRYPTION_KEY")?),
            (None, Some(file)) => Some(Key::read_file(file)?),
            (None, None) => {
                let file = self.default_key_file();
                file.exists().then(|| Key::read_file(&file)).transpose()?
            }
        };
        let old = self
            .old_encryption_key_files
            .iter()
            .map(|file| Key::read_file(file))
            .collect::<anyhow::Result<Vec<_>>>()?;
        match current {
            Some(current) => Ok(Some(Keyring::new(current, old))),
            None if old.is_empty() => Ok(None),
            None => bail!("old encryption keys are set but no current key"),
        }
    }

    pub fn storage_url(&self) -> String {
        self.storage_url.clone().unwrap_or_else(|| {
            let blobs = self.data_dir.join("blobs");
            let absolute = std::path::absolute(&blobs).unwrap_or(blobs);
            format!("file://{}", absolute.display())
        })
    }
}
