//! Purging a finished exam: blobs listed, personal data removed, aggregates kept.
