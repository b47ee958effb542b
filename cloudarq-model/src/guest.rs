//! The guest SDK (feature `guest`): export ordinary [`Rule`]s as a
//! WebAssembly rule package with one macro, [`export_rules!`](crate::export_rules).
//!
//! A rule author writes the same `impl Rule` as the built-in rules, tests it
//! natively with `cargo test`, and adds one line:
//!
//! ```ignore
//! cloudarq_model::export_rules!(MyRule, OtherRule);
//! ```
//!
//! or, with settings, context types or a name:
//!
//! ```ignore
//! fn package() -> cloudarq_model::guest::Package {
//!     cloudarq_model::guest::Package::new("acme-rules", env!("CARGO_PKG_VERSION"), vec![&MyRule])
//!         .settings(r#"{"type":"object"}"#, my_configure)
//! }
//! cloudarq_model::export_rules!(package = package);
//! ```
//!
//! Build with `cargo build --release --target wasm32-unknown-unknown`, then
//! `cloudarq rules package target/wasm32-unknown-unknown/release/<crate>.wasm -o rule.wasm`
//! turns the core module into a component and writes the metadata section
//! (or `cloudarq rules build <crate dir>` for both).
//!
//! The glue converts between the WIT types and the model: each resource's
//! JSON is the serde form of [`Resource`], so a guest rule sees exactly what
//! a native rule sees, and a panic is logged (as an `error` line) before the
//! guest traps, so the host can name it. A finding's evidence goes as the
//! compact JSON of its `Value`, and its `controls` list is left empty: the
//! host gives every finding its rule's declared controls.

use std::sync::Once;

use crate::inventory::{Resource, ResourceType};
use crate::package::{PackageMeta, evaluate_batch};
use crate::rule::{Rule, RuleError, Severity, Verdict};
use crate::snapshot::Snapshot;

/// The bindings generated from the contract's WIT (`cloudarq:rule@1.0.0`).
#[allow(unsafe_code, missing_docs, clippy::all, reason = "generated code")]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit/cloudarq-rule@1.0.0",
        world: "rule",
        pub_export_macro: true,
        export_macro_name: "__export_rule_world",
        default_bindings_module: "::cloudarq_model::guest::bindings",
    });
}

use bindings::cloudarq::rule::host::{Level, log as host_log};
use bindings::cloudarq::rule::types as wit;

/// A settings hook: receives the settings JSON, returns an error to refuse them.
pub type ConfigureFn = fn(&serde_json::Value) -> Result<(), String>;

/// What a package exports: its rules, name, context types and settings.
pub struct Package {
    name: &'static str,
    version: &'static str,
    rules: Vec<&'static dyn Rule>,
    context: Vec<ResourceType>,
    settings_schema: &'static str,
    configure: Option<ConfigureFn>,
}

impl Package {
    /// A package of `rules`.
    pub fn new(name: &'static str, version: &'static str, rules: Vec<&'static dyn Rule>) -> Self {
        Self {
            name,
            version,
            rules,
            context: Vec::new(),
            settings_schema: "{}",
            configure: None,
        }
    }
    /// Resource types sent with every batch as context.
    pub fn context(mut self, types: &[ResourceType]) -> Self {
        self.context = types.to_vec();
        self
    }
    /// The settings JSON Schema and the hook that receives the settings.
    pub fn settings(mut self, schema: &'static str, configure: ConfigureFn) -> Self {
        self.settings_schema = schema;
        self.configure = Some(configure);
        self
    }
    /// The metadata JSON (what `metadata()` returns).
    pub fn metadata(&self) -> String {
        let schema = serde_json::from_str(self.settings_schema).unwrap_or_default();
        PackageMeta::from_rules(self.name, self.version, &self.rules, &self.context, schema)
            .to_json()
    }
}

/// Writes one log line through the host.
pub fn log(level: Level, message: &str) {
    host_log(level, message);
}

fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            host_log(Level::Error, &format!("panicked: {info}"));
        }));
    });
}

#[doc(hidden)]
pub fn __configure(p: &Package, settings: &str) -> Result<(), String> {
    install_panic_hook();
    let value: serde_json::Value = if settings.trim().is_empty() {
        serde_json::Value::Object(Default::default())
    } else {
        serde_json::from_str(settings).map_err(|e| format!("settings are not JSON: {e}"))?
    };
    match p.configure {
        Some(f) => f(&value),
        None => Ok(()),
    }
}

#[doc(hidden)]
pub fn __evaluate(
    p: &Package,
    unit: wit::ScanUnit,
    batch: Vec<wit::Resource>,
) -> Vec<wit::Finding> {
    install_panic_hook();
    let snapshot = match unit_snapshot(&unit) {
        Ok(s) => s,
        Err(e) => return errors_for_all(p, &batch, &e),
    };
    let mut snapshot = snapshot;
    for r in &unit.context {
        if let Ok(res) = serde_json::from_str::<Resource>(&r.json) {
            snapshot.resources.insert(res);
        }
    }
    // The batch's resources go into the snapshot (a rule may read its
    // neighbours) and are evaluated from there, in the batch's order.
    let mut arns = Vec::with_capacity(batch.len());
    // Room for a finding per (rule, resource) pair: no regrowth (each
    // would copy the findings so far into fresh, unfaulted pages).
    let mut out = Vec::with_capacity(batch.len().saturating_mul(p.rules.len()).min(1 << 14));
    for r in &batch {
        match serde_json::from_str::<Resource>(&r.json) {
            Ok(res) => {
                arns.push(res.arn.clone());
                snapshot.resources.insert(res);
            }
            Err(e) => out.extend(errors_for(p, r, &format!("resource JSON: {e}"))),
        }
    }
    let parsed: Vec<&Resource> = arns
        .iter()
        .filter_map(|arn| snapshot.resources.get(arn))
        .collect();
    for (rule, i, outcome) in evaluate_batch(&p.rules, &parsed, &snapshot) {
        let meta = rule.meta();
        let arn = parsed[i].arn.as_str().to_owned();
        let (verdict, severity, reason, evidence) = match outcome {
            Ok(o) => {
                let v = match o.verdict {
                    Verdict::Pass(m) => wit::Verdict::Pass(m),
                    Verdict::Fail(m) => wit::Verdict::Fail(m),
                    Verdict::NotCollected { field } => wit::Verdict::NotCollected(field),
                    Verdict::NotApplicable => continue,
                };
                let evidence = if o.evidence.is_null() {
                    String::new()
                } else {
                    // Straight into bytes (a `Value`'s `Display` goes
                    // through a formatter); the same compact text.
                    serde_json::to_string(&o.evidence).unwrap_or_default()
                };
                let (sev, reason) = match o.severity {
                    Some(a) => (Some(severity(a.severity)), Some(a.reason)),
                    None => (None, None),
                };
                (v, sev, reason, evidence)
            }
            Err(RuleError(e)) => (wit::Verdict::Error(e), None, None, String::new()),
        };
        out.push(wit::Finding {
            rule_id: meta.id.to_owned(),
            resource_arn: arn,
            verdict,
            severity,
            severity_reason: reason,
            evidence,
            // The host gives every finding its rule's declared controls.
            controls: Vec::new(),
        });
    }
    out
}

fn unit_snapshot(unit: &wit::ScanUnit) -> Result<Snapshot, String> {
    let account = unit.account_id.parse().map_err(|e| format!("{e}"))?;
    let partition = unit.partition.parse().map_err(|e| format!("{e}"))?;
    let at = unit.collected_at.parse().map_err(|e| format!("{e}"))?;
    Ok(Snapshot::new(account, partition, at))
}

fn errors_for_all(p: &Package, batch: &[wit::Resource], msg: &str) -> Vec<wit::Finding> {
    batch.iter().flat_map(|r| errors_for(p, r, msg)).collect()
}

fn errors_for(p: &Package, r: &wit::Resource, msg: &str) -> Vec<wit::Finding> {
    p.rules
        .iter()
        .filter(|rule| {
            rule.meta()
                .resource_types
                .iter()
                .any(|t| t.as_str() == r.kind)
        })
        .map(|rule| wit::Finding {
            rule_id: rule.meta().id.to_owned(),
            resource_arn: r.arn.clone(),
            verdict: wit::Verdict::Error(msg.to_owned()),
            severity: None,
            severity_reason: None,
            evidence: String::new(),
            controls: Vec::new(),
        })
        .collect()
}

fn severity(s: Severity) -> wit::Severity {
    match s {
        Severity::Informational => wit::Severity::Informational,
        Severity::Low => wit::Severity::Low,
        Severity::Medium => wit::Severity::Medium,
        Severity::High => wit::Severity::High,
        Severity::Critical => wit::Severity::Critical,
    }
}

/// Exports rules as a WebAssembly rule package: `export_rules!(RuleA, RuleB)`
/// (package named after the crate) or `export_rules!(package = fn_returning_package)`.
#[macro_export]
macro_rules! export_rules {
    (package = $package:path) => {
        /// The package (also usable natively, e.g. to test its metadata).
        #[doc(hidden)]
        #[allow(dead_code, reason = "used by the exports on wasm, by tests natively")]
        fn __cloudarq_package() -> &'static $crate::guest::Package {
            static P: ::std::sync::OnceLock<$crate::guest::Package> = ::std::sync::OnceLock::new();
            P.get_or_init($package)
        }
        // The component glue exists only in the wasm build; a native build
        // (`cargo test`) compiles the rules alone.
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __CloudarqRules;
            impl $crate::guest::bindings::exports::cloudarq::rule::evaluator::Guest for __CloudarqRules {
                fn configure(settings: ::std::string::String) -> ::std::result::Result<(), ::std::string::String> {
                    $crate::guest::__configure(__cloudarq_package(), &settings)
                }
                fn evaluate(
                    unit: $crate::guest::bindings::cloudarq::rule::types::ScanUnit,
                    resources: ::std::vec::Vec<$crate::guest::bindings::cloudarq::rule::types::Resource>,
                ) -> ::std::vec::Vec<$crate::guest::bindings::cloudarq::rule::types::Finding> {
                    $crate::guest::__evaluate(__cloudarq_package(), unit, resources)
                }
                fn metadata() -> ::std::string::String {
                    __cloudarq_package().metadata()
                }
            }
            $crate::guest::bindings::__export_rule_world!(__CloudarqRules with_types_in $crate::guest::bindings);
        };
    };
    ($($rule:expr),+ $(,)?) => {
        #[doc(hidden)]
        fn __cloudarq_default_package() -> $crate::guest::Package {
            $crate::guest::Package::new(
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
                ::std::vec![$(&$rule as &'static dyn $crate::rule::Rule),+],
            )
        }
        $crate::export_rules!(package = __cloudarq_default_package);
    };
}
