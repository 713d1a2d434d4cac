//! An S3-compatible bucket (AWS, MinIO, Ceph …) named by `s3://bucket/prefix`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use object_store::aws::AmazonS3Builder;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ObjectStore, RetryConfig};

/// Where the bucket is and who we are. Credentials not given here come from the
/// environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …).
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// e.g. `http://127.0.0.1:9000`; none: AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: None,
            region: "us-east-1".to_string(),
            access_key_id: None,
            secret_access_key: None,
        }
    }
}

/// Opens `bucket/prefix` (the part of the URL after `s3://`).
pub(super) fn open(
    location: &str,
    settings: &S3Settings,
) -> anyhow::Result<(Arc<dyn ObjectStore>, String)> {
    let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
    let prefix = prefix.trim_matches('/');
    if bucket.is_empty() {
        bail!("an S3 storage URL names a bucket: s3://bucket/prefix");
    }
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_region(&settings.region)
        // Path-style requests (`endpoint/bucket/key`) work with every S3-compatible server;
        // virtual-hosted names need DNS for each bucket.
        .with_virtual_hosted_style_request(false)
        // Fail within seconds, not minutes: a request waits on this, and `/readyz` too.
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(20),
        });
    if let Some(endpoint) = &settings.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    if let Some(id) = &settings.access_key_id {
        builder = builder.with_access_key_id(id);
    }
    if let Some(secret) = &settings.secret_access_key {
        builder = builder.with_secret_access_key(secret);
    }
    let store = builder
        .build()
        .with_context(|| format!("configuring the S3 bucket {bucket}"))?;
    let at = settings.endpoint.as_deref().unwrap_or("AWS");
    let description = format!("S3 bucket {bucket}/{prefix} at {at}");
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, prefix))
    };
    Ok((store, description))
}
