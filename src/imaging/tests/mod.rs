//! Tests on real files built in memory (see `fixtures`), never downloaded.

mod fixtures;
mod formats;
mod orientation;
mod output;
mod refusals;

use super::{Limits, Normalised, normalise};

fn run(bytes: &[u8]) -> Normalised {
    normalise(bytes, &Limits::default()).unwrap()
}
