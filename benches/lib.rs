//! Shared fixtures for CloudArq's criterion benchmarks and the memory example.
//!
//! [`synthetic`] builds a large, deterministic inventory and a few sample rules.

pub mod synthetic;
