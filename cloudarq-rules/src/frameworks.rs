//! Compliance frameworks as data (C6): `frameworks/<id>.toml` maps each control of
//! a benchmark to the rule ids that check it, or marks it manual.
//!
//! The files are embedded at build time and parsed on request; [`frameworks`]
//! returns all of them, [`framework`] one by id. A control with no CloudArq rule
//! is listed with `manual = true`, never dropped, so a score can say how much of
//! a benchmark is automated.
//!
//! The built-in files, in display order: `cis_aws_3.0` and `cis_aws_7.0` (CIS AWS
//! Foundations v3.0.0 and v7.0.0, every recommendation), `aws_fsbp` (AWS
//! Foundational Security Best Practices, the IAM, S3, EC2 and RDS controls) and
//! `nist_800_53_r5` (NIST SP 800-53 Rev. 5: the controls Prowler maps to IAM, S3,
//! EC2/VPC and RDS checks, with ids in NIST notation such as `AC-6`, `AC-2(3)(d)`
//! or `CA-7b`). Each file's header states its source, scope and mapping policy;
//! every rule cites at least one control of one of them.
//!
//! ```
//! let cis = cloudarq_rules::frameworks::framework("cis_aws_3.0")?;
//! let c = cis.control("1.10").expect("CIS 3.0 has 1.10");
//! assert_eq!(c.rules, ["iam_user_mfa_enabled_console_access"]);
//! assert_ne!(cis.control("1.1").map(|c| &c.title), Some(&c.title));
//! # Ok::<(), cloudarq_rules::frameworks::FrameworkError>(())
//! ```
//!
//! A file looks like this; unknown keys are refused:
//!
//! ```toml
//! id = "cis_aws_3.0"
//! title = "CIS Amazon Web Services Foundations Benchmark v3.0.0"
//! version = "3.0.0"
//! sections = ["1 Identity and Access Management", "2 Storage"]
//!
//! [[control]]
//! id = "1.4"                      # a string, always
//! title = "No access key exists for the root user"
//! section = "1 Identity and Access Management"
//! rules = ["iam_no_root_access_key"]
//!
//! [[control]]
//! id = "1.1"
//! title = "Account contact details are kept current"
//! section = "1 Identity and Access Management"
//! manual = true                   # no rules
//! ```

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The embedded framework files: (file name, contents), in display order.
const FILES: &[(&str, &str)] = &[
    (
        "cis_aws_3.0.toml",
        include_str!("../frameworks/cis_aws_3.0.toml"),
    ),
    (
        "cis_aws_7.0.toml",
        include_str!("../frameworks/cis_aws_7.0.toml"),
    ),
    ("aws_fsbp.toml", include_str!("../frameworks/aws_fsbp.toml")),
    (
        "nist_800_53_r5.toml",
        include_str!("../frameworks/nist_800_53_r5.toml"),
    ),
];

/// Errors from loading a framework file or looking one up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameworkError {
    /// The file is not TOML of the expected shape (includes unknown keys).
    #[error("framework file {file} is invalid: {detail}")]
    Parse {
        /// The file at fault.
        file: String,
        /// What was wrong, with line and column.
        detail: String,
    },
    /// Two controls with the same id.
    #[error("framework file {file}: control id {control:?} appears more than once")]
    DuplicateControl {
        /// The file at fault.
        file: String,
        /// The repeated control id.
        control: String,
    },
    /// Two sections with the same name.
    #[error("framework file {file}: section {section:?} appears more than once")]
    DuplicateSection {
        /// The file at fault.
        file: String,
        /// The repeated section.
        section: String,
    },
    /// A control names a section missing from `sections`.
    #[error(
        "framework file {file}: control {control:?} has section {section:?}, which is not in `sections`"
    )]
    UnknownSection {
        /// The file at fault.
        file: String,
        /// The control.
        control: String,
        /// Its section.
        section: String,
    },
    /// A control with `manual = true` that also lists rules.
    #[error("framework file {file}: control {control:?} is manual but lists rules")]
    ManualWithRules {
        /// The file at fault.
        file: String,
        /// The control.
        control: String,
    },
    /// A control with neither rules nor `manual = true`.
    #[error("framework file {file}: control {control:?} has no rules; mark it `manual = true`")]
    NoRules {
        /// The file at fault.
        file: String,
        /// The control.
        control: String,
    },
    /// An empty id, title or section.
    #[error("framework file {file}: {what} is empty")]
    Empty {
        /// The file at fault.
        file: String,
        /// Which value, for example `control 1.4 title`.
        what: String,
    },
    /// No built-in framework has this id.
    #[error("unknown framework {id:?}: expected one of {known}")]
    UnknownFramework {
        /// The id asked for.
        id: String,
        /// The known ids, comma-separated.
        known: String,
    },
}

/// One compliance framework: its sections and controls, in benchmark order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Framework {
    /// Framework id, for example `cis_aws_3.0`; rules cite it in their controls.
    pub id: String,
    /// Full title.
    pub title: String,
    /// Benchmark version, for example `3.0.0`.
    pub version: String,
    /// Section names, in benchmark order.
    pub sections: Vec<String>,
    /// Controls, in benchmark order; ids are unique.
    pub controls: Vec<Control>,
}

/// One control of a framework.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Control {
    /// Control id, a string (`1.10` is not `1.1`).
    pub id: String,
    /// The secure state the control asks for.
    pub title: String,
    /// Its section, one of [`Framework::sections`].
    pub section: String,
    /// Rule ids that check it; empty for a manual control.
    pub rules: Vec<String>,
}

impl Control {
    /// Whether no CloudArq rule checks this control.
    pub fn is_manual(&self) -> bool {
        self.rules.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    id: String,
    title: String,
    version: String,
    sections: Vec<String>,
    #[serde(default, rename = "control")]
    controls: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    title: String,
    section: String,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    manual: bool,
}

impl Framework {
    /// Parses and checks a framework document; `file` is named in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, FrameworkError> {
        let raw: RawFramework = toml::from_str(text).map_err(|e| FrameworkError::Parse {
            file: file.to_owned(),
            detail: e.to_string().trim_end().to_owned(),
        })?;
        let empty = |what: String| FrameworkError::Empty {
            file: file.to_owned(),
            what,
        };
        for (value, what) in [
            (&raw.id, "id"),
            (&raw.title, "title"),
            (&raw.version, "version"),
        ] {
            if value.trim().is_empty() {
                return Err(empty(what.to_owned()));
            }
        }
        let mut sections = HashSet::new();
        for s in &raw.sections {
            if s.trim().is_empty() {
                return Err(empty("a section name".to_owned()));
            }
            if !sections.insert(s.as_str()) {
                return Err(FrameworkError::DuplicateSection {
                    file: file.to_owned(),
                    section: s.clone(),
                });
            }
        }
        let mut ids = HashSet::new();
        let mut controls = Vec::with_capacity(raw.controls.len());
        for c in raw.controls {
            if c.id.trim().is_empty() {
                return Err(empty("a control id".to_owned()));
            }
            if c.title.trim().is_empty() {
                return Err(empty(format!("control {} title", c.id)));
            }
            if !ids.insert(c.id.clone()) {
                return Err(FrameworkError::DuplicateControl {
                    file: file.to_owned(),
                    control: c.id,
                });
            }
            if !sections.contains(c.section.as_str()) {
                return Err(FrameworkError::UnknownSection {
                    file: file.to_owned(),
                    control: c.id,
                    section: c.section,
                });
            }
            match (c.manual, c.rules.is_empty()) {
                (true, false) => {
                    return Err(FrameworkError::ManualWithRules {
                        file: file.to_owned(),
                        control: c.id,
                    });
                }
                (false, true) => {
                    return Err(FrameworkError::NoRules {
                        file: file.to_owned(),
                        control: c.id,
                    });
                }
                _ => {}
            }
            controls.push(Control {
                id: c.id,
                title: c.title,
                section: c.section,
                rules: c.rules,
            });
        }
        Ok(Self {
            id: raw.id,
            title: raw.title,
            version: raw.version,
            sections: raw.sections,
            controls,
        })
    }

    /// The control with this id.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// The controls of one section, in order.
    pub fn section_controls<'a>(&'a self, section: &'a str) -> impl Iterator<Item = &'a Control> {
        self.controls.iter().filter(move |c| c.section == section)
    }
}

/// Ids of the built-in frameworks, in display order.
pub fn framework_ids() -> Vec<&'static str> {
    FILES
        .iter()
        .map(|(file, _)| file.trim_end_matches(".toml"))
        .collect()
}

/// Every built-in framework, in display order.
pub fn frameworks() -> Result<Vec<Framework>, FrameworkError> {
    FILES
        .iter()
        .map(|(file, text)| load_embedded(file, text))
        .collect()
}

/// The built-in framework with this id.
pub fn framework(id: &str) -> Result<Framework, FrameworkError> {
    FILES
        .iter()
        .find(|(file, _)| file.trim_end_matches(".toml") == id)
        .map(|(file, text)| load_embedded(file, text))
        .unwrap_or_else(|| {
            Err(FrameworkError::UnknownFramework {
                id: id.to_owned(),
                known: framework_ids().join(", "),
            })
        })
}

fn load_embedded(file: &str, text: &str) -> Result<Framework, FrameworkError> {
    let fw = Framework::from_toml(text, file)?;
    if format!("{}.toml", fw.id) != file {
        return Err(FrameworkError::Parse {
            file: file.to_owned(),
            detail: format!("id {:?} does not match the file name", fw.id),
        });
    }
    Ok(fw)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;

    const HEAD: &str = "id = \"t\"\ntitle = \"T\"\nversion = \"1\"\nsections = [\"A\"]\n";

    fn control(id: &str, extra: &str) -> String {
        format!("[[control]]\nid = \"{id}\"\ntitle = \"x\"\nsection = \"A\"\n{extra}\n")
    }

    #[test]
    fn builtin_frameworks_load() {
        let all = frameworks().unwrap();
        let ids: Vec<_> = all.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            ["cis_aws_3.0", "cis_aws_7.0", "aws_fsbp", "nist_800_53_r5"]
        );
        let count = |id: &str| all.iter().find(|f| f.id == id).unwrap().controls.len();
        // CIS v3.0.0 has 62 recommendations and v7.0.0 has 70.
        assert_eq!(count("cis_aws_3.0"), 62);
        assert_eq!(count("cis_aws_7.0"), 70);
        let cis3 = framework("cis_aws_3.0").unwrap();
        assert_eq!(cis3.sections.len(), 5);
        assert_eq!(cis3.section_controls("5 Networking").count(), 6);
        assert!(!cis3.control("3.1").unwrap().is_manual());
        // Security questions have no API: 1.3 stays manual.
        assert!(cis3.control("1.3").unwrap().is_manual());
        assert!(!cis3.control("1.1").unwrap().is_manual());
        // The NIST file holds the 216 Prowler requirements that name an IAM, S3,
        // EC2/VPC or RDS check, in NIST notation.
        let nist = framework("nist_800_53_r5").unwrap();
        assert_eq!(nist.controls.len(), 216);
        assert_eq!(nist.sections.len(), 12);
        assert_eq!(nist.control("AC-6").unwrap().title, "Least Privilege");
        assert!(nist.control("AC-2(3)(d)").is_some());
        assert!(nist.control("AC-2d.1").unwrap().is_manual());
        assert!(nist.control("ac_6").is_none());
    }

    #[test]
    fn unknown_framework_lists_the_known_ones() {
        let e = framework("cis_aws_9.9").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown framework \"cis_aws_9.9\": expected one of cis_aws_3.0, cis_aws_7.0, aws_fsbp, nist_800_53_r5"
        );
    }

    /// Prowler's CIS 5.0 file had two requirements with id "1.1" (the second
    /// was 1.10); ids are strings here and a repeat is refused.
    #[test]
    fn duplicated_control_id_is_refused() {
        let doc = format!(
            "{HEAD}{}{}",
            control("1.1", "manual = true"),
            control("1.1", "manual = true")
        );
        let e = Framework::from_toml(&doc, "dup.toml").unwrap_err();
        assert_eq!(
            e,
            FrameworkError::DuplicateControl {
                file: "dup.toml".into(),
                control: "1.1".into()
            }
        );
        let ok = format!(
            "{HEAD}{}{}",
            control("1.1", "manual = true"),
            control("1.10", "manual = true")
        );
        assert_eq!(
            Framework::from_toml(&ok, "ok.toml").unwrap().controls.len(),
            2
        );
    }

    #[test]
    fn bad_controls_are_refused_with_the_file_and_control() {
        let cases = [
            (
                control("1", "manual = true\nrules = [\"r_x\"]"),
                "control \"1\" is manual but lists rules",
            ),
            (
                control("2", ""),
                "control \"2\" has no rules; mark it `manual = true`",
            ),
            (
                control("3", "rules = [\"r_x\"]").replace("section = \"A\"", "section = \"B\""),
                "control \"3\" has section \"B\", which is not in `sections`",
            ),
            (
                control("4", "manual = true\nseverity = \"high\""),
                "unknown field `severity`",
            ),
            (control("5", "manual = 1"), "invalid type"),
        ];
        for (body, want) in cases {
            let e = Framework::from_toml(&format!("{HEAD}{body}"), "bad.toml").unwrap_err();
            let msg = e.to_string();
            assert!(msg.starts_with("framework file bad.toml"), "{msg}");
            assert!(msg.contains(want), "{msg} should contain {want}");
        }
    }

    #[test]
    fn numeric_control_ids_are_refused() {
        // `id = 1.10` would be the float 1.1: ids must be quoted strings.
        let doc = format!(
            "{HEAD}[[control]]\nid = 1.10\ntitle = \"x\"\nsection = \"A\"\nmanual = true\n"
        );
        let e = Framework::from_toml(&doc, "num.toml").unwrap_err();
        assert!(matches!(e, FrameworkError::Parse { .. }), "{e}");
    }
}
