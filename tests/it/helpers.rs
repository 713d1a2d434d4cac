//! Test harness: a fresh database per test on either engine, and the real app on port 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use shenhe::config::WebSettings;
use shenhe::db::Db;
use shenhe::storage::{Key, Keyring, Storage, StorageConfig};
use shenhe::web::{AppState, Server};
use sqlx::postgres::PgConnectOptions;
use tempfile::TempDir;

use crate::s3::{S3Server, s3_server};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per engine from an `async fn(Backend)`, so no storage test can run
/// on one engine only.
macro_rules! on_both_databases {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$case($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$case($crate::helpers::Backend::Postgres).await
                }
            }
        )+
    };
}
pub(crate) use on_both_databases;

pub fn postgres_url() -> String {
    std::env::var("SHENHE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A migrated, empty database: a SQLite file in a temporary folder, or a fresh schema on
/// the test PostgreSQL server (dropped again when the test ends). PostgreSQL that cannot
/// be reached fails the test; it is never skipped.
pub struct TestDb {
    pub db: Db,
    pub dir: TempDir,
    /// The database URL a `shenhe` process should use to reach the same data.
    pub url: String,
    schema: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("creating a temporary folder");
        let (db, url, schema) = match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let db = Db::connect(&url, 5).await.expect("opening SQLite");
                (db, url, None)
            }
            Backend::Postgres => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = Db::connect(&postgres_url(), 1)
                    .await
                    .expect("PostgreSQL must be running at SHENHE_TEST_POSTGRES_URL");
                admin
                    .create_schema(&schema)
                    .await
                    .expect("creating a test schema");
                admin.close().await;
                let options = PgConnectOptions::from_str(&postgres_url())
                    .expect("a PostgreSQL URL")
                    .options([("search_path", schema.as_str())]);
                let db = Db::connect_postgres(options, 5).await.expect("connecting");
                let separator = if postgres_url().contains('?') {
                    '&'
                } else {
                    '?'
                };
                let url = format!(
                    "{}{separator}options=-c%20search_path%3D{schema}",
                    postgres_url()
                );
                (db, url, Some(schema))
            }
        };
        db.migrate().await.expect("migrating");
        TestDb {
            db,
            dir,
            url,
            schema,
        }
    }

    pub fn storage_url(&self) -> String {
        format!("file://{}", self.dir.path().join("blobs").display())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                if let Ok(db) = Db::connect(&postgres_url(), 1).await {
                    let _ = db.drop_schema(&schema).await;
                    db.close().await;
                }
            });
        })
        .join();
    }
}

/// Where a test app keeps its blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// The local folder `<test dir>/blobs`.
    Local,
    /// A bucket on an S3 server in process.
    S3,
}

/// The encryption key of apps started with [`TestApp::spawn_on`].
pub const TEST_KEY: &str = "0001020304050607080910111213141516171819202122232425262728293031";

/// The real application, serving on a random port.
pub struct TestApp {
    pub address: SocketAddr,
    pub test_db: TestDb,
    pub client: reqwest::Client,
    /// The app's blob store, for looking behind its back.
    pub storage: Storage,
    /// The S3 server of an app on [`Store::S3`].
    pub s3: Option<S3Server>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, WebSettings::default()).await
    }

    /// The app with other web settings (password policy, sign-in throttle …), blobs
    /// unencrypted in the local folder.
    pub async fn spawn_with(backend: Backend, settings: WebSettings) -> TestApp {
        let test_db = TestDb::new(backend).await;
        let config = StorageConfig::new(test_db.storage_url());
        TestApp::start(test_db, config, None, settings).await
    }

    /// The app with blobs on the given store, encrypted with [`TEST_KEY`].
    pub async fn spawn_on(backend: Backend, store: Store) -> TestApp {
        let test_db = TestDb::new(backend).await;
        let (mut config, s3) = match store {
            Store::Local => (StorageConfig::new(test_db.storage_url()), None),
            Store::S3 => {
                let server = s3_server().await;
                let mut config = StorageConfig::new(&server.url);
                config.s3 = server.settings();
                (config, Some(server))
            }
        };
        config.keys = Some(Keyring::new(Key::parse(TEST_KEY).unwrap(), vec![]));
        TestApp::start(test_db, config, s3, WebSettings::default()).await
    }

    async fn start(
        test_db: TestDb,
        config: StorageConfig,
        s3: Option<S3Server>,
        settings: WebSettings,
    ) -> TestApp {
        let storage = Storage::open_with(&config).expect("opening storage");
        let state = AppState::new(test_db.db.clone(), storage.clone(), settings);
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), state)
            .await
            .expect("binding");
        let address = server.local_addr().expect("an address");
        tokio::spawn(server.run(std::future::pending()));
        TestApp {
            address,
            test_db,
            client: reqwest::Client::new(),
            storage,
            s3,
        }
    }

    /// Every file the blob store keeps on disk (for S3, the server's files of the bucket).
    pub fn stored_files(&self) -> Vec<PathBuf> {
        let root = match &self.s3 {
            Some(server) => server.bucket_folder(),
            None => self.test_db.dir.path().join("blobs"),
        };
        let mut files = Vec::new();
        let mut folders = vec![root];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("reading the blob folder") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        files
    }

    pub fn db(&self) -> &Db {
        &self.test_db.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("a response")
    }
}
