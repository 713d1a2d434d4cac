//! The admin dashboard and its API, on both databases.
