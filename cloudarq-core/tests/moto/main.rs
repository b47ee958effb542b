//! Collector tests against moto: the real SDK and the real collectors, with
//! a fault-injecting proxy for the errors moto cannot produce.
//!
//! Each test starts its own `moto_server` on a free loopback port.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
#![allow(dead_code, reason = "the harness serves several test modules")]

mod auth;
mod demo;
mod ec2;
mod ec2_enclave;
mod ec2_images;
mod faults;
mod governance;
mod harness;
mod iam;
mod iam_certificates;
mod iam_last_accessed;
mod kms;
mod loopback;
mod monitoring;
mod organizations;
mod peering;
mod rds;
mod rds_settings;
mod s3;
mod s3_management;

mod accessanalyzer;
mod config;
mod securityhub;

mod account;
mod efs;
mod macie;

mod backup;
mod ssm;

mod apigateway;
mod cloudfront;
mod elbv2;
