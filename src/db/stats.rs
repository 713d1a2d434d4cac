//! The dashboard's numbers: counts, per-day series, throughput, the longest waits.
