//! Reading a package without running it: its metadata section, contract
//! version, imports and exports ([`inspect`]).

use cloudarq_model::package::{META_SECTION, MetaError, PackageMeta};
use wasmparser::{Encoding, Parser, Payload};

use super::{Failure, WasmError};

/// The contract versions this host accepts.
pub const ACCEPTED_CONTRACTS: &[&str] = &["1.0.0"];

/// The interface a package must export (without the version).
pub const EVALUATOR_INTERFACE: &str = "cloudarq:rule/evaluator";

/// What [`inspect`] found in a package.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageInfo {
    /// The metadata, validated.
    pub meta: PackageMeta,
    /// The component's top-level import names.
    pub imports: Vec<String>,
    /// The component's top-level export names.
    pub exports: Vec<String>,
}

impl PackageInfo {
    /// The contract version of the exported evaluator interface, if any.
    pub fn exported_contract(&self) -> Option<&str> {
        self.exports.iter().find_map(|e| {
            e.strip_prefix(EVALUATOR_INTERFACE)
                .and_then(|v| v.strip_prefix('@'))
        })
    }
}

/// Reads the metadata section and the import/export names of a component,
/// without compiling or running it.
///
/// ```
/// let wat = "(component)";
/// let bytes = wat::parse_str(wat).unwrap();
/// let e = cloudarq_core::wasm::inspect(&bytes, "empty.wasm").unwrap_err();
/// assert!(e.to_string().contains("cloudarq-rule-meta"));
/// ```
pub fn inspect(bytes: &[u8], name: &str) -> Result<PackageInfo, WasmError> {
    let not_component = |detail: String| WasmError::NotAComponent {
        name: name.to_owned(),
        detail,
    };
    let mut depth = 0usize;
    let mut meta = None;
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| not_component(e.to_string()))?;
        match payload {
            Payload::Version { encoding, .. } => {
                if depth == 0 && encoding != Encoding::Component {
                    return Err(not_component(
                        "this is a core module; build a component with `cloudarq rules package`"
                            .to_owned(),
                    ));
                }
                depth += 1;
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::CustomSection(c) if depth == 1 && c.name() == META_SECTION => {
                if meta.is_some() {
                    return Err(WasmError::Meta {
                        name: name.to_owned(),
                        source: MetaError::Invalid(format!("two {META_SECTION} sections")),
                    });
                }
                meta = Some(c.data().to_vec());
            }
            Payload::ComponentImportSection(r) if depth == 1 => {
                for i in r {
                    let i = i.map_err(|e| not_component(e.to_string()))?;
                    imports.push(i.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(r) if depth == 1 => {
                for e in r {
                    let e = e.map_err(|e| not_component(e.to_string()))?;
                    exports.push(e.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    let meta_err = |source| WasmError::Meta {
        name: name.to_owned(),
        source,
    };
    let raw = meta.ok_or_else(|| {
        meta_err(MetaError::Invalid(format!(
            "no {META_SECTION} custom section (package the module with `cloudarq rules package`)"
        )))
    })?;
    let text = std::str::from_utf8(&raw)
        .map_err(|e| meta_err(MetaError::Format(format!("not UTF-8: {e}"))))?;
    let meta = PackageMeta::from_json(text).map_err(meta_err)?;
    Ok(PackageInfo {
        meta,
        imports,
        exports,
    })
}

/// This host's version, compared with a package's `min_host_version`.
pub const HOST_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a package cannot run on this host, if it cannot: a contract version
/// not accepted (in the metadata or the exported interface name), or a
/// minimum host version above this one.
pub(crate) fn contract_problem(info: &PackageInfo) -> Option<Failure> {
    let accepted = ACCEPTED_CONTRACTS.join(", ");
    let refuse = |found: String| {
        Some(Failure::Contract {
            found,
            accepted: accepted.clone(),
        })
    };
    if !ACCEPTED_CONTRACTS.contains(&info.meta.contract.as_str()) {
        return refuse(info.meta.contract.clone());
    }
    match info.exported_contract() {
        Some(v) if ACCEPTED_CONTRACTS.contains(&v) => {}
        Some(v) => return refuse(v.to_owned()),
        None => return refuse(format!("none (no {EVALUATOR_INTERFACE}@… export)")),
    }
    let needed = &info.meta.min_host_version;
    match (version(needed), version(HOST_VERSION)) {
        (Some(n), Some(h)) if n <= h => None,
        (Some(_), _) => Some(Failure::HostTooOld {
            needed: needed.clone(),
            host: HOST_VERSION.to_owned(),
        }),
        (None, _) => Some(Failure::HostTooOld {
            needed: format!("{needed:?} (not a version)"),
            host: HOST_VERSION.to_owned(),
        }),
    }
}

/// `major.minor.patch` as numbers.
fn version(v: &str) -> Option<(u64, u64, u64)> {
    let mut it = v.trim().split('.').map(|p| p.parse::<u64>().ok());
    let out = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(out)
}
