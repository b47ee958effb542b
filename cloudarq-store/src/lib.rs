//! CloudArq's encrypted store of scans, findings and compliance scores
//! (SQLite embedded, PostgreSQL hosted).
//!
//! Not built yet: it arrives with the store issue. The crate exists so the
//! workspace layout is in place; it exports nothing.
#![forbid(unsafe_code)]
