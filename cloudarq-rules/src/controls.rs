//! Constructors for the compliance controls that rules cite, so a rule's
//! metadata reads `cis3("1.5")` rather than a struct literal.
//!
//! Framework ids match `cloudarq-rules/frameworks/<id>.toml`. Control ids are
//! strings: `1.10` is not `1.1`.

use cloudarq_model::rule::ControlRef;

/// A control of the CIS Amazon Web Services Foundations Benchmark v3.0.0.
pub(crate) const fn cis3(control: &'static str) -> ControlRef {
    ControlRef {
        framework: "cis_aws_3.0",
        control,
    }
}

/// A control of the CIS Amazon Web Services Foundations Benchmark v7.0.0.
pub(crate) const fn cis7(control: &'static str) -> ControlRef {
    ControlRef {
        framework: "cis_aws_7.0",
        control,
    }
}

/// A control of AWS Foundational Security Best Practices.
pub(crate) const fn fsbp(control: &'static str) -> ControlRef {
    ControlRef {
        framework: "aws_fsbp",
        control,
    }
}

/// A control of NIST SP 800-53 Revision 5, in NIST's notation: `AC-6`, the
/// enhancement `AC-6(10)`, the item `AC-2(3)(d)` or `CA-7b`.
pub(crate) const fn nist(control: &'static str) -> ControlRef {
    ControlRef {
        framework: "nist_800_53_r5",
        control,
    }
}
