//! Admin: exams, windows, reasons, category preview, roster upload, on both databases.
