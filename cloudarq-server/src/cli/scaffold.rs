//! `cloudarq rules new NAME`: writes a ready WebAssembly rule package crate
//! (Cargo.toml, one rule with its metadata, a native test, a settings
//! schema, fixtures with their expected findings, a README with the
//! commands), from the templates in `cloudarq-server/templates/rule-package`.
//!
//! The fixtures are slices of the demo account (one resource of each chosen
//! type), tagged and untagged; their expected findings are what the
//! template's rule gives, so `rules test` passes on a fresh package and
//! `tests/rule_author.rs` checks that it does.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use cloudarq_model::text::Inert;
use cloudarq_model::{ResourceType, Snapshot};

use super::DEMO_SNAPSHOT;

const CARGO_TOML: &str = include_str!("../../templates/rule-package/Cargo.toml.in");
const LIB_RS: &str = include_str!("../../templates/rule-package/lib.rs.in");
const README: &str = include_str!("../../templates/rule-package/README.md.in");
const SCHEMA: &str = include_str!("../../templates/rule-package/settings.schema.json");
const GITIGNORE: &str = include_str!("../../templates/rule-package/gitignore.in");

/// The tag the fixtures and the scan settings require.
const FIXTURE_TAG: &str = "owner";

/// What `rules new` writes.
#[derive(Debug)]
pub struct NewPackage {
    /// The package (and crate) name.
    pub name: String,
    /// The resource types its rule checks.
    pub resource_types: Vec<ResourceType>,
    /// Where to create it (must not exist, or be an empty directory).
    pub dir: PathBuf,
}

impl NewPackage {
    /// Checks the name and the types: a crate name of 1-40 lowercase
    /// letters, digits and '-' starting with a letter (also a valid package
    /// name, and short enough for its rule id), and types the demo account
    /// has an example of (the fixtures are cut from it).
    pub fn new(name: &str, types: &[String], dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let ok = name.len() <= 40
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && !name.ends_with('-')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            bail!(
                "package name {:?}: use 1-40 lowercase letters, digits and '-', starting with a letter (e.g. acme-tagging)",
                Inert(name)
            );
        }
        let demo = demo()?;
        let mut resource_types = Vec::new();
        for t in types {
            let t: ResourceType = t.trim().parse().with_context(|| {
                format!(
                    "--resource-type {:?}: not a resource type CloudArq collects (known: {})",
                    Inert(t),
                    ResourceType::ALL
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            if demo.of_type(t).next().is_none() {
                bail!(
                    "--resource-type {}: the demo account has none to cut a fixture from; choose among {}",
                    t.as_str(),
                    demo_types(&demo).join(", ")
                );
            }
            if !resource_types.contains(&t) {
                resource_types.push(t);
            }
        }
        if resource_types.is_empty() {
            resource_types.push(ResourceType::Ec2Instance);
        }
        let id = rule_id(name);
        if cloudarq_rules::by_id(&id).is_some() {
            bail!(
                "package name {name:?}: its rule id {id} is a built-in rule's; choose another name"
            );
        }
        Ok(Self {
            name: name.to_owned(),
            resource_types,
            dir: dir.unwrap_or_else(|| PathBuf::from(name)),
        })
    }

    /// Writes the crate; lists what it wrote and what to run next.
    pub fn write(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let dir = &self.dir;
        if let Ok(mut entries) = std::fs::read_dir(dir) {
            if entries.next().is_some() {
                bail!(
                    "{}: exists and is not empty; not overwriting",
                    dir.display()
                );
            }
        } else if std::fs::symlink_metadata(dir).is_ok() {
            bail!("{}: exists and is not a directory", dir.display());
        }
        let files = self.files()?;
        for (path, text) in &files {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        writeln!(
            out,
            "created rule package {} in {} (rule {}, checks {})",
            self.name,
            Inert(dir.display()),
            rule_id(&self.name),
            self.type_names().join(", ")
        )?;
        for (path, _) in &files {
            writeln!(out, "  {}", path.display())?;
        }
        writeln!(
            out,
            "next: cd {} && cargo test && cloudarq rules build . && cloudarq rules test fixtures --package {}.wasm (see README.md)",
            Inert(dir.display()),
            self.name
        )?;
        Ok(())
    }

    fn type_names(&self) -> Vec<&'static str> {
        self.resource_types.iter().map(|t| t.as_str()).collect()
    }

    /// Every file of the crate, relative to its directory.
    fn files(&self) -> anyhow::Result<Vec<(PathBuf, String)>> {
        let types: Vec<String> = self
            .resource_types
            .iter()
            .map(|t| format!("ResourceType::{t:?}"))
            .collect();
        let first = self
            .resource_types
            .first()
            .copied()
            .unwrap_or(ResourceType::Ec2Instance);
        let fill = |template: &str| {
            template
                .replace("@NAME@", &self.name)
                .replace("@RULE_ID@", &rule_id(&self.name))
                .replace("@SDK_VERSION@", sdk_requirement())
                .replace("@SERVICE@", &format!("{:?}", first.service()))
                .replace("@RESOURCE_TYPES@", &types.join(", "))
                .replace("@TYPE_LIST@", &self.type_names().join(", "))
        };
        let (tagged, untagged) = self.fixtures()?;
        let settings = serde_json::json!({ "required_tag": FIXTURE_TAG });
        let scan_settings = serde_json::json!({ self.name.clone(): settings });
        Ok(vec![
            ("Cargo.toml".into(), fill(CARGO_TOML)),
            ("src/lib.rs".into(), fill(LIB_RS)),
            ("README.md".into(), fill(README)),
            ("settings.schema.json".into(), SCHEMA.to_owned()),
            (".gitignore".into(), GITIGNORE.to_owned()),
            ("scan-settings.json".into(), pretty(&scan_settings)?),
            ("fixtures/settings.json".into(), pretty(&settings)?),
            ("fixtures/tagged.snapshot.json".into(), tagged.0),
            ("fixtures/tagged.expected.json".into(), tagged.1),
            ("fixtures/untagged.snapshot.json".into(), untagged.0),
            ("fixtures/untagged.expected.json".into(), untagged.1),
        ])
    }

    /// Two cases cut from the demo account, one resource of each type:
    /// every resource tagged (all PASS), and none tagged, the first marked
    /// `environment=production` (all FAIL, that one high). Each as
    /// (snapshot JSON, expected findings JSON).
    fn fixtures(&self) -> anyhow::Result<((String, String), (String, String))> {
        let demo = demo()?;
        let picked: Vec<_> = self
            .resource_types
            .iter()
            .filter_map(|t| demo.of_type(*t).next().cloned())
            .collect();
        let case = |tagged: bool| -> anyhow::Result<(String, String)> {
            let mut snap = Snapshot::new(
                demo.account_id.clone(),
                demo.partition.clone(),
                demo.collected_at,
            );
            snap.regions = demo.regions.clone();
            snap.services = demo.services.clone();
            let mut expected = Vec::new();
            for (i, r) in picked.iter().enumerate() {
                let mut r = r.clone();
                r.tags.clear();
                let (status, severity, message) = if tagged {
                    r.tags
                        .insert(FIXTURE_TAG.into(), "platform-team@example.com".into());
                    (
                        "PASS",
                        "medium",
                        format!("{} has the {FIXTURE_TAG} tag", r.name),
                    )
                } else if i == 0 {
                    r.tags.insert("environment".into(), "production".into());
                    (
                        "FAIL",
                        "high",
                        format!("{} has no {FIXTURE_TAG} tag", r.name),
                    )
                } else {
                    (
                        "FAIL",
                        "medium",
                        format!("{} has no {FIXTURE_TAG} tag", r.name),
                    )
                };
                expected.push(serde_json::json!({
                    "rule_id": rule_id(&self.name),
                    "resource_arn": r.arn.as_str(),
                    "status": status,
                    "severity": severity,
                    "message": message,
                }));
                snap.resources.insert(r);
            }
            expected.sort_by(|a, b| a["resource_arn"].as_str().cmp(&b["resource_arn"].as_str()));
            Ok((
                snap.to_json()? + "\n",
                pretty(&serde_json::Value::Array(expected))?,
            ))
        };
        Ok((case(true)?, case(false)?))
    }
}

/// The rule id of a package: its name in snake case, `_required_tag`.
fn rule_id(name: &str) -> String {
    format!("{}_required_tag", name.replace('-', "_"))
}

/// The version requirement on the SDK crate: its MAJOR.MINOR (the rule
/// contract), so any later patch release resolves.
fn sdk_requirement() -> &'static str {
    let v = cloudarq_model::package::SDK_VERSION;
    v.rfind('.').map_or(v, |dot| &v[..dot])
}

fn demo() -> anyhow::Result<Snapshot> {
    Ok(Snapshot::from_json(DEMO_SNAPSHOT, "the demo snapshot")?)
}

fn demo_types(demo: &Snapshot) -> Vec<&'static str> {
    ResourceType::ALL
        .iter()
        .filter(|t| demo.of_type(**t).next().is_some())
        .map(|t| t.as_str())
        .collect()
}

fn pretty(v: &serde_json::Value) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}
