//! The accept loop. `axum::serve` has no timeouts, so connections are served here with
//! hyper directly: a header timeout (which in hyper 1.x also ends idle kept-alive
//! connections), a cap on open connections per client address, a minimum rate for every
//! request body (`body_pace`), and a graceful stop that lets requests in flight finish.
//! Handlers still get `ConnectInfo<SocketAddr>`.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a proxy in front terminates
//! (and talks HTTP/1.1 to us), so h2c would be one more protocol to bound for no client.

use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use super::address_cap::{AddressCap, Exempt};
use super::body_pace::{MinRate, paced};
use super::client_addr::ClientAddresses;
use crate::config::WebSettings;

/// Which peers the per-address cap skips: our trusted reverse proxies, which carry every
/// candidate's connections from one address (their clients are capped by the proxy).
pub fn cap_exempt(settings: &WebSettings) -> Exempt {
    let clients = ClientAddresses::new(
        settings.client_ip_header.as_deref(),
        &settings.trusted_proxies,
    );
    std::sync::Arc::new(move |ip| clients.is_proxy(ip))
}

/// What a refused connection reads before it is closed.
const TOO_MANY: &str = "本地址的连接过多，请关闭多余的页面，稍后再试。";

/// Serves `app` on `listener` until `shutdown` completes, then waits for the connections
/// still open (idle ones close at once; requests in flight are finished).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: &WebSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = &settings.clients;
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout())
        .keep_alive(true);
    let cap = AddressCap::new(
        limits.connections_per_address as usize,
        cap_exempt(settings),
    );
    let rate = MinRate {
        bytes: limits.body_min_kib as usize * 1024,
        window: limits.body_rate_window(),
    };

    // Each connection holds a clone of `signal_tx` (dropping `signal_rx` tells them to stop)
    // and of `close_rx` (when the last is dropped, every connection has ended).
    let (signal_tx, signal_rx) = watch::channel(());
    let (close_tx, close_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = cap.admit(peer.ip()) else {
            refuse(stream);
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(paced(request.map(Body::new), rate))
        });
        let builder = builder.clone();
        let signal_tx = signal_tx.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            let mut conn = pin!(builder.serve_connection(TokioIo::new(stream), service));
            let mut stop = pin!(signal_tx.closed());
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::trace!("connection ended: {e:#}");
                        }
                        break;
                    }
                    () = &mut stop, if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(admitted);
            drop(close_rx);
        });
    }
    drop(listener);
    drop(signal_rx);
    drop(close_rx);
    close_tx.closed().await;
    Ok(())
}

/// Answers 503 without waiting (the socket's send buffer takes these few bytes) and closes:
/// a refused connection costs no task and no time.
fn refuse(stream: TcpStream) {
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n{TOO_MANY}",
        TOO_MANY.len()
    );
    let _ = stream.try_write(answer.as_bytes());
}

/// Like hyper 0.14's server: a reset before accept is nothing; anything else (usually out of
/// file descriptors) is logged and waited out, since open connections will close.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accepting a connection: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
