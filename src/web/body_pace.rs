//! A minimum rate for request bodies: a body that brings less than N bytes in a window of
//! waiting for it is cut off, so a stalled upload gives its place back, and a stalled form
//! its connection, instead of holding them until the client goes away. Every request's
//! body is paced as it comes in (`web::conn`). Only time spent *waiting for the client* counts: while the
//! handler is busy (imaging one file of a form before reading the next) the clock stops.
//! Written here because tower-http's timeouts bound a whole body or a whole request, not a
//! rate, and a phone on a weak network needs a long whole.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes, HttpBody};
use axum::extract::Request;
use futures::Stream;
use tokio::time::{Instant, Sleep};

/// At least `bytes` in every `window` of waiting; `bytes == 0` turns the check off.
#[derive(Debug, Clone, Copy)]
pub struct MinRate {
    pub bytes: usize,
    pub window: Duration,
}

/// Whether the body was cut off for being too slow (the handler answers 408 then).
#[derive(Debug, Clone, Default)]
pub struct Stall(Arc<AtomicBool>);

impl Stall {
    pub fn happened(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The error a cut-off body ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body arrived too slowly")]
pub struct TooSlow;

/// `request` with its body held to `rule`, and a [`Stall`] in its extensions that says
/// afterwards whether the body was cut off (see [`stall_of`]). A request without a body is
/// passed as it is.
pub fn paced(request: Request, rule: MinRate) -> Request {
    let stall = Stall::default();
    if rule.bytes == 0 || request.body().is_end_stream() {
        return request;
    }
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(stall.clone());
    let stream = Paced {
        inner: body.into_data_stream(),
        rule,
        got: 0,
        waited: Duration::ZERO,
        waiting_since: None,
        sleep: Box::pin(tokio::time::sleep(rule.window)),
        stall,
        ended: false,
    };
    Request::from_parts(parts, Body::from_stream(stream))
}

/// The flag [`paced`] left on `request` (one that never turns when its body was not paced).
pub fn stall_of(request: &Request) -> Stall {
    request
        .extensions()
        .get::<Stall>()
        .cloned()
        .unwrap_or_default()
}

struct Paced {
    inner: BodyDataStream,
    rule: MinRate,
    /// Bytes and waiting time in the current window.
    got: usize,
    waited: Duration,
    /// Set while the consumer waits for the client; the time counts against the window.
    waiting_since: Option<Instant>,
    /// Fires when the current window's waiting is used up.
    sleep: Pin<Box<Sleep>>,
    stall: Stall,
    ended: bool,
}

impl Paced {
    fn new_window(&mut self, now: Instant) {
        self.got = 0;
        self.waited = Duration::ZERO;
        self.waiting_since = Some(now);
        self.sleep.as_mut().reset(now + self.rule.window);
    }

    fn cut_off(&mut self) -> Poll<Option<Result<Bytes, axum::Error>>> {
        self.stall.0.store(true, Ordering::Relaxed);
        self.ended = true;
        Poll::Ready(Some(Err(axum::Error::new(TooSlow))))
    }
}

impl Stream for Paced {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        let since = match this.waiting_since {
            Some(since) => since,
            None => {
                // The consumer is back: the clock runs again from where it stopped.
                let now = Instant::now();
                this.waiting_since = Some(now);
                let left = this.rule.window.saturating_sub(this.waited);
                this.sleep.as_mut().reset(now + left);
                now
            }
        };
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.waiting_since = None;
                this.waited += since.elapsed();
                this.got += bytes.len();
                if this.waited >= this.rule.window {
                    if this.got < this.rule.bytes {
                        return this.cut_off();
                    }
                    this.new_window(Instant::now());
                    this.waiting_since = None;
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(other) => {
                this.ended = true;
                Poll::Ready(other)
            }
            Poll::Pending => loop {
                if this.sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                // A whole window of waiting is used up.
                if this.got < this.rule.bytes {
                    return this.cut_off();
                }
                this.new_window(Instant::now());
            },
        }
    }
}
