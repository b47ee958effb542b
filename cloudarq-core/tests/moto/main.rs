//! Collector tests against moto: the real SDK and the real collectors, with
//! a fault-injecting proxy for the errors moto cannot produce.
//!
//! Each test starts its own `moto_server` on a free loopback port.

mod auth;
mod ec2;
mod harness;
