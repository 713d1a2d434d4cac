//! Admin: candidates and staff, settings; reviewers reach no admin route.
