//! [`package_module`]: a guest's build output → a rule package.

use cloudarq_model::package::{META_SECTION, PackageMeta};
use wasmparser::{Encoding, Parser, Payload};

use super::WasmError;
use super::files::PackageBytes;
use super::host::WasmHost;
use super::inspect::{append_custom_section, inspect};
use super::load::LoadOptions;

/// Turns a guest's build output into a package: a core module (from
/// `wasm32-unknown-unknown`) is made a component with `wit-component`; then
/// the guest's `metadata()` is called once, in the sandbox, validated, and
/// written into the `cloudarq-rule-meta` section, so loading never runs the
/// guest to learn what it is.
pub fn package_module(host: &WasmHost, wasm: &[u8]) -> Result<(Vec<u8>, PackageMeta), WasmError> {
    let engine_err = |m: String| WasmError::Engine(m);
    let is_core = matches!(
        Parser::new(0).parse_all(wasm).next(),
        Some(Ok(Payload::Version {
            encoding: Encoding::Module,
            ..
        }))
    );
    let component = if is_core {
        wit_component::ComponentEncoder::default()
            .module(wasm)
            .and_then(|e| e.validate(true).encode())
            .map_err(|e| engine_err(format!("cannot make a component of the module (was it built with cloudarq_model::export_rules!?): {e:#}")))?
    } else {
        wasm.to_vec()
    };
    if has_meta_section(&component) {
        return Err(engine_err(format!(
            "the component already has a {META_SECTION} section"
        )));
    }
    // Compiled only as a verified package (size only: no pin or policy
    // applies to an author's own build), like every package.
    let candidate = PackageBytes::from_vec(
        "the packaged component",
        component.clone(),
        host.limits().module_bytes,
    )?;
    let json = host.call_metadata(&host.verify(candidate, &LoadOptions::default())?)?;
    let meta = PackageMeta::from_json(&json).map_err(|source| WasmError::Meta {
        name: "metadata()".to_owned(),
        source,
    })?;
    let mut out = component;
    append_custom_section(&mut out, META_SECTION, meta.to_json().as_bytes());
    inspect(&out, "the packaged component")?;
    Ok((out, meta))
}

fn has_meta_section(bytes: &[u8]) -> bool {
    Parser::new(0)
        .parse_all(bytes)
        .any(|p| matches!(p, Ok(Payload::CustomSection(c)) if c.name() == META_SECTION))
}
