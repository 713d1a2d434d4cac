//! Purging an exam: no blob of it remains, the statistics stay.
