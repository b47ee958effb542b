//! [`WasmHost`]: one wasmtime engine (fuel and epoch interruption on, no
//! WASI), the linker (only the contract's `log` import), the epoch ticker
//! thread, and each store's state: its resource limiter, its log sink, how
//! a call is armed with fuel and a deadline, and how a failure is
//! classified. Loading is in `load.rs`, evaluation in `evaluate.rs`, the
//! checks of what a guest returns in `output.rs`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, Trap};

use super::bindings::Rule as RuleWorld;
use super::bindings::cloudarq::rule::{host as wit_host, types as wit};
use super::cache::ComponentCache;
use super::{Failure, Limits, WasmError};

/// The epoch tick of the deadline thread.
const TICK: Duration = Duration::from_millis(10);

/// Runs WebAssembly rule packages: one engine (fuel and epoch interruption
/// on, no WASI), a linker with only the contract's `log` import, an optional
/// compiled-component cache, and a thread that ticks the epoch.
pub struct WasmHost {
    pub(super) engine: Engine,
    pub(super) linker: Linker<GuestState>,
    pub(super) limits: Limits,
    pub(super) cache: Option<ComponentCache>,
    _ticker: Ticker,
}

impl std::fmt::Debug for WasmHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmHost")
            .field("limits", &self.limits)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

// ---------------------------------------------------------------- store data

pub(crate) struct GuestState {
    pub(super) limiter: Limiter,
    pub(super) log: LogSink,
    /// Whether the epoch deadline of the current call is the package's time
    /// budget rather than the per-call deadline.
    deadline_is_budget: bool,
}

pub(super) struct Limiter {
    inner: StoreLimits,
    memory_limit: usize,
    exceeded: Option<usize>,
    pub(super) peak: usize,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.exceeded = Some(desired);
        } else {
            self.peak = self.peak.max(desired);
        }
        self.inner.memory_growing(current, desired, maximum)
    }
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }
    fn instances(&self) -> usize {
        self.inner.instances()
    }
    fn tables(&self) -> usize {
        self.inner.tables()
    }
    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

pub(super) struct LogSink {
    package: String,
    used: usize,
    limit: usize,
    pub(super) dropped: u64,
    last_error: Option<String>,
}

impl wit_host::Host for GuestState {
    fn log(&mut self, level: wit_host::Level, message: String) {
        let sink = &mut self.log;
        if sink.used.saturating_add(message.len()) > sink.limit {
            sink.dropped += 1;
            return;
        }
        sink.used += message.len();
        let package = sink.package.as_str();
        match level {
            wit_host::Level::Trace => {
                tracing::trace!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Debug => {
                tracing::debug!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Info => {
                tracing::info!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Warn => {
                tracing::warn!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Error => {
                tracing::error!(target: "cloudarq::wasm::guest", package, "{message}");
                let mut m = message;
                m.truncate(m.floor_char_boundary(500));
                sink.last_error = Some(m);
            }
        }
    }
}

impl wit::Host for GuestState {}

// ---------------------------------------------------------------- the host

impl WasmHost {
    /// A host with these limits and no compiled cache.
    pub fn new(limits: Limits) -> Result<Self, WasmError> {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(limits.max_wasm_stack);
        let engine = Engine::new(&config).map_err(|e| WasmError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        RuleWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(|e| WasmError::Engine(format!("{e:#}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::Builder::new()
                .name("cloudarq-wasm-epoch".to_owned())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| WasmError::Engine(format!("cannot start the epoch thread: {e}")))?
        };
        Ok(Self {
            engine,
            linker,
            limits,
            cache: None,
            _ticker: Ticker {
                stop,
                handle: Some(handle),
            },
        })
    }

    /// Keeps compiled components in `dir` (created 0700 if missing), each
    /// authenticated by an HMAC under the secret in `key_file`, which must
    /// lie outside `dir` and is created (mode 0600) on first use. A
    /// directory or key owned by another user or open to group or others is
    /// refused with the fix; nothing is ever `chmod`ed.
    pub fn with_cache_dir(mut self, dir: &Path, key_file: &Path) -> Result<Self, WasmError> {
        self.cache = Some(ComponentCache::open(dir, key_file)?);
        Ok(self)
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub(super) fn new_store(&self, name: &str) -> Store<GuestState> {
        let l = &self.limits;
        let inner = StoreLimitsBuilder::new()
            .memory_size(l.memory_bytes)
            .table_elements(l.table_elements)
            .instances(l.instances)
            .tables(l.tables)
            .memories(l.memories)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(
            &self.engine,
            GuestState {
                limiter: Limiter {
                    inner,
                    memory_limit: l.memory_bytes,
                    exceeded: None,
                    peak: 0,
                },
                log: LogSink {
                    package: name.to_owned(),
                    used: 0,
                    limit: l.log_bytes,
                    dropped: 0,
                    last_error: None,
                },
                deadline_is_budget: false,
            },
        );
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_trap();
        // Until a call sets its own: nothing the guest passes the host may
        // be larger than the output limit.
        store.set_hostcall_fuel(l.output_bytes);
        store
    }

    pub(super) fn time_budget(&self) -> Failure {
        Failure::TimeBudget {
            ms: self.limits.package_time.as_millis(),
        }
    }

    /// Gives the next call `fuel` and a deadline: the per-call deadline, or
    /// the end of the package's time budget when that comes first.
    pub(super) fn arm(
        &self,
        store: &mut Store<GuestState>,
        fuel: u64,
        budget_end: Option<Instant>,
    ) -> Result<(), Failure> {
        store.set_fuel(fuel).map_err(|e| Failure::Trap {
            trap: format!("{e:#}"),
            message: None,
        })?;
        let mut wait = self.limits.deadline;
        let mut is_budget = false;
        if let Some(end) = budget_end {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.time_budget());
            }
            if left < wait {
                (wait, is_budget) = (left, true);
            }
        }
        let ticks = wait.as_millis() / TICK.as_millis() + 1;
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.data_mut().deadline_is_budget = is_budget;
        let log = &mut store.data_mut().log;
        log.used = 0;
        log.last_error = None;
        Ok(())
    }

    pub(super) fn classify(
        &self,
        store: &Store<GuestState>,
        e: wasmtime::Error,
        fuel: u64,
        batch: usize,
        in_call: bool,
    ) -> Failure {
        if let Some(desired) = store.data().limiter.exceeded {
            return Failure::MemoryLimit {
                limit: self.limits.memory_bytes,
                desired,
            };
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Failure::OutOfFuel { fuel, batch },
            Some(Trap::Interrupt) if store.data().deadline_is_budget => self.time_budget(),
            Some(Trap::Interrupt) => Failure::Deadline {
                ms: self.limits.deadline.as_millis(),
            },
            Some(Trap::StackOverflow) => Failure::StackOverflow {
                limit: self.limits.max_wasm_stack,
            },
            Some(t) => Failure::Trap {
                trap: t.to_string(),
                message: store.data().log.last_error.clone(),
            },
            // Wasmtime's host copy budget ran out while lifting what the
            // guest passed (its type is private: matched by its message).
            None if format!("{e:#}").contains(HOSTCALL_FUEL_EXHAUSTED) => Failure::CopyBudget {
                limit: self.limits.output_bytes,
                budget: store.hostcall_fuel(),
            },
            // Not a trap: the canonical ABI refused what the guest returned
            // (bad UTF-8, bad discriminant, pointer out of bounds, …).
            None if in_call => Failure::MalformedOutput(format!("{e:#}")),
            None => Failure::Trap {
                trap: format!("{e:#}"),
                message: store.data().log.last_error.clone(),
            },
        }
    }
}

/// Part of wasmtime's message when a store's host copy budget runs out.
const HOSTCALL_FUEL_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";
