//! Amazon CloudWatch Logs, as the CIS "Monitoring" controls see it: a metric
//! filter on the CloudTrail log group, read for what it catches rather than
//! for how its text is spelled.

pub mod filter_pattern;
