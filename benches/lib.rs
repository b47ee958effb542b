//! Shared fixtures for CloudArq's criterion benchmarks and the memory example.
//!
//! [`synthetic`] builds a large, deterministic inventory and a few sample rules;
//! [`store_fixture`] the scan result the store benchmarks write.

pub mod store_fixture;
pub mod synthetic;
