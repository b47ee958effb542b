//! Shared fixtures for CloudArq's criterion benchmarks and the memory example.
//!
//! [`synthetic`] builds a large, deterministic inventory and a few sample rules;
//! [`store_fixture`] the scan result the store benchmarks write;
//! [`cpu_seconds`] reads a process's CPU time for the examples that report it.

pub mod store_fixture;
pub mod synthetic;

/// CPU seconds (user + system) of process `pid` so far (`"self"`: this
/// process), from `/proc/<pid>/stat` (Linux); 0 when it cannot be read.
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 11 and 12 after ')';
    // the kernel counts them in ticks of 1/100 s (USER_HZ).
    (ticks(11) + ticks(12)) / 100.0
}
