//! Placeholder for the snapshot benchmark (written with the AWS layer).
fn main() {}
