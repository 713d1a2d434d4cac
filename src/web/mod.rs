//! HTTP: the only module that knows axum. Each area owns its router; this one merges them.

mod address_cap;
mod admin;
mod api;
pub(crate) mod assets;
mod body_pace;
mod candidate;
mod client_addr;
mod conn;
mod edge;
mod error;
mod flash;
mod health;
mod metrics;
mod query_guard;
mod review;
pub mod routes;
mod session;
mod signin;
mod staff;
mod throttle;
mod upload;
mod upload_places;

use std::net::SocketAddr;

use anyhow::Context;
use std::sync::Arc;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderName, HeaderValue, Request, Response, header};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::auth::device::Devices;
use crate::auth::guard::Guard;
use crate::auth::{Passwords, SignInServices};
use crate::config::WebSettings;
use crate::db::Db;
use crate::domain::password::PasswordPolicy;
use crate::imaging::Limits;
use crate::portal::Portal;
use crate::review::Reviewing;
use crate::storage::Storage;
use routes::{Route, Routes};

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub storage: Storage,
    pub portal: Portal,
    pub reviewing: Reviewing,
    /// The admin dashboard's numbers (kept a little while for large exams).
    pub dashboards: crate::review::dashboard::Dashboards,
    /// argon2 for sign-ins only, so no other route can take its capacity; with the
    /// per-account guard and the device cookies.
    pub sign_in: SignInServices,
    /// argon2 for everything else that checks or sets a password (password changes).
    pub other_passwords: Passwords,
    pub policy: PasswordPolicy,
    pub settings: Arc<WebSettings>,
    /// Who the client is (the peer, or what a trusted proxy says).
    clients: Arc<client_addr::ClientAddresses>,
    throttle: throttle::LoginThrottle,
    /// Uploads whose body is being read: each holds up to one file (20 MB) in memory, so
    /// this bounds upload memory; when all are taken an upload is told to retry.
    uploads: upload_places::UploadPlaces,
}

impl AppState {
    pub fn new(db: Db, storage: Storage, settings: WebSettings) -> AppState {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let portal = Portal::new(db.clone(), storage.clone(), Limits::default());
        AppState {
            reviewing: Reviewing::new(db.clone(), portal.clone()),
            dashboards: crate::review::dashboard::Dashboards::new(db.clone()),
            portal,
            sign_in: SignInServices {
                passwords: Passwords::for_this_machine(),
                guard: Guard::new(db.clone()),
                devices: Devices::new(db.clone()),
            },
            other_passwords: Passwords::new(cores, 64 * cores, std::time::Duration::from_secs(10)),
            policy: PasswordPolicy {
                min_length: settings.password_min_length,
                letters_and_digits: settings.password_letters_and_digits,
            },
            clients: Arc::new(client_addr::ClientAddresses::new(
                settings.client_ip_header.as_deref(),
                &settings.trusted_proxies,
            )),
            throttle: throttle::LoginThrottle::new(db.clone(), settings.login_attempts_per_minute),
            uploads: upload_places::UploadPlaces::new(
                settings.clients.upload_places(),
                settings.clients.uploads_per_candidate as usize,
            ),
            settings: Arc::new(settings),
            db,
            storage,
        }
    }
}

impl AppState {
    /// The client's address for the audit log: the peer, or what a trusted proxy says (the
    /// same address the sign-in limits count).
    pub(crate) fn client_ip(
        &self,
        headers: &axum::http::HeaderMap,
        peer: Option<SocketAddr>,
    ) -> Option<String> {
        self.clients.client(headers, peer).map(|ip| ip.to_string())
    }
}

/// Every response: no sniffing, no framing, scripts and styles only from this site.
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
];

/// Every area's routes, merged: the router and the list of its routes come from here.
fn routes() -> Routes {
    Routes::new()
        .merge(health::router())
        .merge(candidate::router())
        .merge(staff::router())
        .merge(review::router())
        .merge(api::router())
        .merge(admin::router())
        .merge(assets::router())
}

/// Every route the application answers (path pattern, and methods where known), in the
/// order the areas add them: for `shenhe routes` and the access-control test.
pub fn route_list() -> Vec<Route> {
    routes().into_parts().1
}

/// The whole application as a router, without binding a port (tests bind port 0).
pub fn router(state: AppState) -> Router {
    let (app, _) = routes().into_parts();
    let mut app = app
        .fallback(edge::not_found)
        .layer(axum::middleware::from_fn(edge::words_for_bare_errors))
        .layer(axum::middleware::from_fn(edge::refuse_cross_site))
        .layer(axum::middleware::from_fn(query_guard::refuse_id_numbers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            edge::no_store,
        ));
    for (name, value) in SECURITY_HEADERS {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app.layer(axum::middleware::from_fn(metrics::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(record_status),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_addr::drop_untrusted_request_id,
        ))
        .with_state(state)
}

pub use metrics::start as serve_metrics;

/// Every log line of a request carries this span: its id (`x-request-id`, kept from a proxy
/// or made here), method, route pattern and, once answered, status. Never the path or the
/// query string: they can hold ids (an ID-number-shaped query is refused anyway).
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str());
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        request_id = id,
        method = %request.method(),
        route,
        status = tracing::field::Empty,
    )
}

fn record_status<B>(response: &Response<B>, latency: std::time::Duration, span: &tracing::Span) {
    span.record("status", response.status().as_u16());
    tracing::debug!(?latency, "answered");
}

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    app: Router,
    settings: Arc<WebSettings>,
}

impl Server {
    pub async fn bind(address: SocketAddr, state: AppState) -> anyhow::Result<Server> {
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("listening on {address}"))?;
        Ok(Server {
            listener,
            settings: state.settings.clone(),
            app: router(state),
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        self.listener
            .local_addr()
            .context("reading the bound address")
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        conn::serve(self.listener, self.app, &self.settings, shutdown)
            .await
            .context("serving HTTP")
    }
}

/// Deletes idle sessions and ended sign-in windows every few minutes, forever. Both are
/// refused anyway (the lookups check the time); this only keeps the tables small. Every
/// node may run it: the deletes are idempotent.
pub async fn sweep_expired(db: Db, settings: WebSettings) {
    let idle = session::longest_idle(&settings);
    let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        every.tick().await;
        let now = crate::db::now();
        match db.sweep_sessions(now - idle).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!("swept {n} idle sessions"),
            Err(e) => tracing::warn!("sweeping idle sessions: {e:#}"),
        }
        if let Err(e) = db
            .sweep_rate_limits(now - crate::auth::guard::LONGEST_WINDOW.max(throttle::WINDOW))
            .await
        {
            tracing::warn!("sweeping sign-in windows: {e:#}");
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
