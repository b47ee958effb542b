//! [`package_module`]: a guest's build output → a rule package.

use cloudarq_model::package::{META_SECTION, PackageMeta};
use wasmparser::{Encoding, Parser, Payload};

use super::WasmError;
use super::bindings::RulePre;
use super::files::PackageBytes;
use super::host::WasmHost;
use super::inspect::inspect;
use super::load::LoadOptions;
use super::verify::VerifiedPackage;

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

impl WasmHost {
    /// Calls a component's `metadata()` once, in the sandbox.
    fn call_metadata(&self, component: &VerifiedPackage) -> Result<String, WasmError> {
        let err = |m: String| WasmError::Engine(format!("cannot read the guest's metadata(): {m}"));
        let c = self
            .compile_verified(component)
            .map_err(|e| err(format!("{e:#}")))?;
        let pre = self
            .linker
            .instantiate_pre(&c)
            .map_err(|e| err(format!("{e:#}")))?;
        let pre = RulePre::new(pre).map_err(|e| err(format!("{e:#}")))?;
        let mut store = self.new_store("packaging");
        self.arm(&mut store, self.limits.fuel_base, None)
            .map_err(|e| err(e.to_string()))?;
        let world = pre.instantiate(&mut store).map_err(|e| {
            err(self
                .classify(&store, e, self.limits.fuel_base, 0, false)
                .to_string())
        })?;
        world
            .cloudarq_rule_evaluator()
            .call_metadata(&mut store)
            .map_err(|e| {
                err(self
                    .classify(&store, e, self.limits.fuel_base, 0, true)
                    .to_string())
            })
    }
}

fn has_meta_section(bytes: &[u8]) -> bool {
    Parser::new(0)
        .parse_all(bytes)
        .any(|p| matches!(p, Ok(Payload::CustomSection(c)) if c.name() == META_SECTION))
}

/// Appends a custom section `name` holding `data` to a component or module.
fn append_custom_section(bytes: &mut Vec<u8>, name: &str, data: &[u8]) {
    let mut body = Vec::with_capacity(name.len() + data.len() + 10);
    leb128(&mut body, name.len());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    bytes.push(0);
    leb128(bytes, body.len());
    bytes.extend_from_slice(&body);
}

fn leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
