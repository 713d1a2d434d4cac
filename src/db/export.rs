//! The results export: final decisions, streamed row by row.
