//! A real S3 server in process: s3s-fs over a temporary folder on 127.0.0.1, checking
//! SigV4 signatures against one access key.

use std::path::PathBuf;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use shenhe::storage::S3Settings;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub const BUCKET: &str = "shenhe-test";
pub const ACCESS_KEY: &str = "test-access-key";
pub const SECRET_KEY: &str = "test-secret-key-for-shenhe";

/// The server stops (and every connection with it) when this is dropped.
pub struct S3Server {
    /// `s3://bucket/prefix`, as `--storage-url` takes it.
    pub url: String,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    pub _dir: TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl S3Server {
    /// What `Storage` needs to reach the server, credentials included.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint.clone()),
            region: "us-east-1".to_string(),
            access_key_id: Some(ACCESS_KEY.to_string()),
            secret_access_key: Some(SECRET_KEY.to_string()),
        }
    }

    /// The folder that holds the bucket's objects as files.
    pub fn bucket_folder(&self) -> PathBuf {
        self._dir.path().join(BUCKET)
    }

    /// Stops serving: new connections are refused and open ones are closed.
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts a server with an empty bucket; blobs go under the prefix `blobs`.
pub async fn s3_server() -> S3Server {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // s3s-fs keeps a bucket as a folder under its root: creating the folder creates it.
    std::fs::create_dir(dir.path().join(BUCKET)).expect("creating the bucket");
    let fs = s3s_fs::FileSystem::new(dir.path()).expect("an s3s-fs root");
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding");
    let address = listener.local_addr().expect("an address");
    let server = tokio::spawn(async move {
        // Connections live in the set, so aborting the server aborts them too.
        let mut connections = JoinSet::new();
        while let Ok((socket, _)) = listener.accept().await {
            let service = service.clone();
            connections.spawn(async move {
                let _ = ConnBuilder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    S3Server {
        url: format!("s3://{BUCKET}/blobs"),
        endpoint: format!("http://{address}"),
        _dir: dir,
        server,
    }
}
