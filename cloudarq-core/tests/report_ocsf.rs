//! The OCSF report against the OCSF 1.3 Compliance Finding class (2003):
//! every record carries the attributes the schema requires, with the
//! enumerated values the schema defines.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod report_fixture;

use cloudarq_core::report::{RuleIndex, ocsf};
use report_fixture::{ACCOUNT, rule_metas, sample_result};
use serde_json::Value;

fn records() -> Vec<Value> {
    let mut buf = Vec::new();
    ocsf::write(
        &sample_result(),
        &RuleIndex::from_metas(rule_metas()),
        &mut buf,
    )
    .unwrap();
    let v: Value = serde_json::from_slice(&buf).unwrap();
    v.as_array().expect("one JSON array").clone()
}

/// `path` such as `metadata.product.name` exists and is not null.
fn has(rec: &Value, path: &str) -> bool {
    path.split('.')
        .try_fold(rec, |v, key| v.get(key))
        .is_some_and(|v| !v.is_null())
}

/// Required by OCSF 1.3 on the objects a Compliance Finding nests (metadata,
/// product, finding_info, cloud, compliance), plus what CloudArq promises.
const REQUIRED_NESTED: &[&str] = &[
    "metadata.version",
    "metadata.product",
    "metadata.product.name",
    "metadata.product.vendor_name",
    "finding_info.uid",
    "finding_info.title",
    "cloud.provider",
    "cloud.account.uid",
    "compliance.standards",
    "compliance.status_id",
];

#[test]
fn every_record_has_the_required_attributes_of_class_2003() {
    let recs = records();
    assert_eq!(recs.len(), 46);
    for rec in &recs {
        for attr in ocsf::REQUIRED_ATTRIBUTES.iter().chain(REQUIRED_NESTED) {
            assert!(has(rec, attr), "record lacks {attr}: {rec:#}");
        }
        assert_eq!(rec["class_uid"], 2003);
        assert_eq!(rec["category_uid"], 2);
        assert_eq!(rec["activity_id"], 1);
        assert_eq!(
            rec["type_uid"].as_u64().unwrap(),
            rec["class_uid"].as_u64().unwrap() * 100 + rec["activity_id"].as_u64().unwrap()
        );
        assert!((1..=5).contains(&rec["severity_id"].as_u64().unwrap()));
        assert!([1, 2, 3].contains(&rec["compliance"]["status_id"].as_u64().unwrap()));
        assert!([1, 3].contains(&rec["status_id"].as_u64().unwrap()));
        assert!(rec["time"].is_i64());
        assert!(
            rec["metadata"]["version"]
                .as_str()
                .unwrap()
                .starts_with("1.")
        );
        assert_eq!(rec["metadata"]["product"]["name"], "CloudArq");
        assert_eq!(rec["cloud"]["provider"], "AWS");
        assert_eq!(rec["cloud"]["account"]["uid"], ACCOUNT);
        assert!(
            !rec["compliance"]["standards"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        let res = rec["resources"].as_array().unwrap();
        assert_eq!(res.len(), 1);
        assert!(res[0]["uid"].as_str().unwrap().starts_with("arn:aws:"));
        assert_eq!(res[0]["cloud_partition"], "aws");
        assert!(res[0]["type"].as_str().unwrap().starts_with("AWS::"));
        assert!(
            has(rec, "remediation.desc"),
            "every sample rule has remediation"
        );
    }
}

#[test]
fn values_follow_the_finding() {
    let recs = records();
    let t = recs[0]["time"].as_i64().unwrap();
    assert_eq!(t, 1_773_480_413_000, "2026-03-14T09:26:53Z in ms");
    let rds = recs
        .iter()
        .find(|r| {
            r["metadata"]["event_code"] == "rds_instance_not_publicly_accessible"
                && r["status_code"] == "FAIL"
        })
        .unwrap();
    assert_eq!(rds["severity"], "Critical");
    assert_eq!(rds["cloud"]["region"], "eu-west-1");
    assert_eq!(rds["resources"][0]["region"], "eu-west-1");
    assert_eq!(
        rds["resources"][0]["uid"],
        "arn:aws:rds:eu-west-1:123456789012:db:orders-prod"
    );
    assert_eq!(rds["resources"][0]["type"], "AWS::RDS::DBInstance");
    assert_eq!(
        rds["compliance"]["control"],
        "rds_instance_not_publicly_accessible"
    );
    assert_eq!(
        rds["compliance"]["standards"],
        serde_json::json!(["aws_fsbp", "cis_aws_3.0"])
    );
    assert_eq!(
        rds["compliance"]["requirements"],
        serde_json::json!(["cis_aws_3.0 2.3.3", "aws_fsbp RDS.2"])
    );
    assert_eq!(
        rds["finding_info"]["title"],
        "RDS instance is not publicly accessible"
    );
    assert!(
        rds["remediation"]["desc"]
            .as_str()
            .unwrap()
            .contains("--no-publicly-accessible")
    );
    assert!(
        rds["finding_info"]["uid"]
            .as_str()
            .unwrap()
            .starts_with("cloudarq-")
    );
}

#[test]
fn unknown_rules_still_produce_valid_records() {
    let mut buf = Vec::new();
    ocsf::write(&sample_result(), &RuleIndex::empty(), &mut buf).unwrap();
    let recs: Vec<Value> = serde_json::from_slice(&buf).unwrap();
    for rec in &recs {
        for attr in ocsf::REQUIRED_ATTRIBUTES {
            assert!(has(rec, attr), "record lacks {attr}");
        }
        assert!(rec.get("remediation").is_none());
    }
}
