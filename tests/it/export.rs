//! Results export: CSV (UTF-8, GBK) and XLSX read back, on both databases.
