//! [`Limits`]: what a guest may use, with safe defaults.

use std::time::Duration;

/// Resource limits for WebAssembly rule packages; [`Limits::default`] is safe.
///
/// ```
/// let l = cloudarq_core::wasm::Limits::default();
/// assert_eq!(l.memory_bytes, 64 << 20);
/// assert!(l.fuel_for_batch(100) > l.fuel_for_batch(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory per instance, in bytes (64 MiB).
    pub memory_bytes: usize,
    /// Table elements per table (10 000).
    pub table_elements: usize,
    /// Core instances per component instance (20).
    pub instances: usize,
    /// Tables per instance (20).
    pub tables: usize,
    /// Linear memories per instance (1).
    pub memories: usize,
    /// Wasm stack, in bytes (512 KiB).
    pub max_wasm_stack: usize,
    /// Size of a package file, in bytes (32 MiB).
    pub module_bytes: usize,
    /// Resource JSON sent in one `evaluate` call, in bytes, counting the
    /// context resources sent with every batch (8 MiB).
    pub input_bytes: usize,
    /// Findings returned by one call, in bytes of text (16 MiB); wasmtime's
    /// per-call host copy budget is this plus room for the structure of
    /// every finding the batch may have.
    pub output_bytes: usize,
    /// Log text a call may write, in bytes (64 KiB); the rest is dropped.
    pub log_bytes: usize,
    /// Resources per `evaluate` call (256).
    pub batch_size: usize,
    /// A batch closes once its resources' JSON (with their companions)
    /// reaches this many bytes (32 KiB), or four times the account-wide
    /// context sent with every batch when that is more. Small batches keep
    /// the heap of each fresh instance small: on the S3 family, batches of
    /// 8 to 32 buckets (about this size) took 40 ms, of 256 46 to 50 ms, of
    /// 1,024 52 ms (`benches/README.md`).
    pub batch_bytes: usize,
    /// Fuel for `configure` and the fixed part of each `evaluate` (50 M).
    pub fuel_base: u64,
    /// Extra fuel per resource in a batch (20 M).
    pub fuel_per_resource: u64,
    /// Wall-clock backstop for one call (10 s), enforced by epoch interruption.
    pub deadline: Duration,
    /// Wall-clock time one package may take over one evaluation (a scan),
    /// all scan units together (60 s); past it the running call is stopped
    /// and the remaining batches become ERROR findings naming the budget.
    pub package_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 << 20,
            table_elements: 10_000,
            instances: 20,
            tables: 20,
            memories: 1,
            max_wasm_stack: 512 << 10,
            module_bytes: 32 << 20,
            input_bytes: 8 << 20,
            output_bytes: 16 << 20,
            log_bytes: 64 << 10,
            batch_size: 256,
            batch_bytes: 32 << 10,
            fuel_base: 50_000_000,
            fuel_per_resource: 20_000_000,
            deadline: Duration::from_secs(10),
            package_time: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// The fuel of one `evaluate` call over `resources` resources.
    pub fn fuel_for_batch(&self, resources: usize) -> u64 {
        let n = u64::try_from(resources).unwrap_or(u64::MAX);
        self.fuel_base
            .saturating_add(self.fuel_per_resource.saturating_mul(n))
    }
}
