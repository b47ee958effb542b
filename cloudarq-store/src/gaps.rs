//! How a scan's evaluation gaps are kept: the `scans.evaluation_gaps`
//! column, a JSON array of runs.
//!
//! A large account has hundreds of thousands of gaps (the synthetic
//! 100,000-resource estate: 479,037), ordered by rule id then ARN, and most
//! of a rule's gaps name the same field. One object per gap repeated the
//! three key names and the rule id and field in each: 76 MB for that estate,
//! a string the store builds and SQLite copies twice more while writing it.
//! Each element is now a run of consecutive gaps of one rule and one field,
//! `[rule_id, field, [arn, ...]]`, in the gaps' own order, so the list reads
//! back exactly. Elements written by earlier builds, one object per gap
//! (`{"field", "resource_arn", "rule_id"}`), are still read, so stored scans
//! need no migration.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use cloudarq_model::Arn;
use cloudarq_model::finding::{EvaluationGap, VerdictGap};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq as _, SerializeTuple as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Result, StoreError};
use crate::findings::Shared;

/// The column's text for `gaps()` (called twice: the text is counted, then
/// written into a string of exactly its length).
pub(crate) fn to_column<'g, I>(gaps: impl Fn() -> I) -> Result<String>
where
    I: Iterator<Item = Cow<'g, EvaluationGap>>,
{
    crate::scans::json_exact(|| Runs(RefCell::new(Some(gaps()))))
}

/// The gaps of a column's text, in their stored order.
pub(crate) fn from_column(text: &str) -> Result<Vec<EvaluationGap>> {
    let stored: Vec<Stored> = serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: "evaluation gaps",
        detail: e.to_string(),
    })?;
    let mut gaps = Vec::with_capacity(
        stored
            .iter()
            .map(|s| match s {
                Stored::Run(_, _, arns) => arns.len(),
                Stored::One(_) => 1,
            })
            .sum(),
    );
    for s in stored {
        match s {
            Stored::Run(rule_id, field, arns) => {
                gaps.extend(arns.into_iter().map(|resource_arn| EvaluationGap {
                    rule_id: rule_id.clone(),
                    resource_arn,
                    field: field.clone(),
                }));
            }
            Stored::One(gap) => gaps.push(gap),
        }
    }
    Ok(gaps)
}

/// The gaps of a column's text as a comparison reads them, in their stored
/// order: read one element at a time, each rule id, field and ARN shared
/// through `shared` (with the scan's verdicts), so the column's ARNs are
/// never all held as text at once and no gap holds its own copies.
pub(crate) fn verdict_gaps(text: &str, shared: &mut Shared) -> Result<Vec<VerdictGap>> {
    let mut gaps = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_seq(Column {
        shared,
        gaps: &mut gaps,
    })
    .and_then(|()| de.end())
    .map_err(|e| StoreError::Corrupt {
        what: "evaluation gaps",
        detail: e.to_string(),
    })?;
    gaps.shrink_to_fit();
    Ok(gaps)
}

/// Reads the column's array ([`verdict_gaps`]), and each of its elements.
struct Column<'a> {
    shared: &'a mut Shared,
    gaps: &'a mut Vec<VerdictGap>,
}

impl<'de> Visitor<'de> for Column<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of gaps")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq
            .next_element_seed(Element {
                shared: &mut *self.shared,
                gaps: &mut *self.gaps,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One element: a run `[rule_id, field, [arn, ...]]`, or one gap as an
/// object (earlier builds).
struct Element<'a> {
    shared: &'a mut Shared,
    gaps: &'a mut Vec<VerdictGap>,
}

impl<'de> DeserializeSeed<'de> for Element<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a run [rule_id, field, [arn, ...]] or a gap object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let rule: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let field: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let arns = Arns {
            rule_id: self.shared.name(rule),
            field: self.shared.name(field),
            shared: &mut *self.shared,
            gaps: &mut *self.gaps,
        };
        seq.next_element_seed(arns)?
            .ok_or_else(|| de::Error::invalid_length(2, &self))?;
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(4, &self));
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<(), A::Error> {
        let gap = EvaluationGap::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let resource_arn = self
            .shared
            .arn(gap.resource_arn.as_str().to_owned())
            .map_err(de::Error::custom)?;
        self.gaps.push(VerdictGap {
            rule_id: self.shared.name(gap.rule_id),
            resource_arn,
            field: self.shared.name(gap.field),
        });
        Ok(())
    }
}

/// A run's ARNs, each a gap of the run's rule and field.
struct Arns<'a> {
    rule_id: Arc<str>,
    field: Arc<str>,
    shared: &'a mut Shared,
    gaps: &'a mut Vec<VerdictGap>,
}

impl<'de> DeserializeSeed<'de> for Arns<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Arns<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of ARNs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(arn) = seq.next_element::<String>()? {
            let resource_arn = self.shared.arn(arn).map_err(de::Error::custom)?;
            self.gaps.push(VerdictGap {
                rule_id: Arc::clone(&self.rule_id),
                resource_arn,
                field: Arc::clone(&self.field),
            });
        }
        Ok(())
    }
}

/// One element of the column.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    /// Consecutive gaps of one rule and field: what this build writes.
    Run(String, String, Vec<Arn>),
    /// One gap: what earlier builds wrote.
    One(EvaluationGap),
}

/// Gaps written as runs, from an iterator read once.
struct Runs<I>(RefCell<Option<I>>);

impl<'g, I> Serialize for Runs<I>
where
    I: Iterator<Item = Cow<'g, EvaluationGap>>,
{
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut gaps = self
            .0
            .borrow_mut()
            .take()
            .ok_or_else(|| serde::ser::Error::custom("the gaps were serialized twice"))?
            .peekable();
        let mut seq = s.serialize_seq(None)?;
        while let Some(first) = gaps.next() {
            let mut arns = vec![first.resource_arn.clone()];
            while let Some(next) =
                gaps.next_if(|g| g.rule_id == first.rule_id && g.field == first.field)
            {
                arns.push(next.resource_arn.clone());
            }
            seq.serialize_element(&Run(&first.rule_id, &first.field, &arns))?;
        }
        seq.end()
    }
}

/// `[rule_id, field, [arn, ...]]`.
struct Run<'r>(&'r str, &'r str, &'r [Arn]);

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(3)?;
        t.serialize_element(self.0)?;
        t.serialize_element(self.1)?;
        t.serialize_element(self.2)?;
        t.end()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;

    fn gap(rule: &str, arn: &str, field: &str) -> EvaluationGap {
        EvaluationGap {
            rule_id: rule.to_owned(),
            resource_arn: arn.parse().unwrap(),
            field: field.to_owned(),
        }
    }

    fn column(gaps: &[EvaluationGap]) -> String {
        to_column(|| gaps.iter().map(Cow::Borrowed)).unwrap()
    }

    /// The column read as a comparison reads it, back as plain gaps.
    fn as_verdict_gaps(text: &str) -> Vec<EvaluationGap> {
        verdict_gaps(text, &mut Shared::default())
            .unwrap()
            .into_iter()
            .map(|g| EvaluationGap {
                rule_id: g.rule_id.to_string(),
                resource_arn: (*g.resource_arn).clone(),
                field: g.field.to_string(),
            })
            .collect()
    }

    #[test]
    fn runs_keep_the_order_and_read_back_exactly() {
        let gaps = vec![
            gap("a_rule", "arn:aws:s3:::one", "versioning"),
            gap("a_rule", "arn:aws:s3:::two", "versioning"),
            // The field changes inside a rule, then comes back: three runs.
            gap("a_rule", "arn:aws:s3:::three", "policy"),
            gap("a_rule", "arn:aws:s3:::four", "versioning"),
            gap("b_rule", "arn:aws:s3:::one", "versioning"),
            // Hostile text is JSON-escaped like any other.
            gap("c_\"rule\"\n", "arn:aws:s3:::x", "f\u{202e}ield \\ ]\""),
        ];
        let text = column(&gaps);
        let runs: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(runs.len(), 5, "five runs of rule, field and ARNs: {text}");
        assert!(
            text.starts_with(
                r#"[["a_rule","versioning",["arn:aws:s3:::one","arn:aws:s3:::two"]],"#
            )
        );
        assert_eq!(from_column(&text).unwrap(), gaps);
        assert_eq!(as_verdict_gaps(&text), gaps);
        assert_eq!(column(&[]), "[]");
        assert!(from_column("[]").unwrap().is_empty());
        assert!(as_verdict_gaps("[]").is_empty());
    }

    #[test]
    fn issue_14_gaps_read_for_a_comparison_share_rules_fields_and_arns() {
        let gaps = vec![
            gap("a_rule", "arn:aws:s3:::one", "versioning"),
            gap("a_rule", "arn:aws:s3:::two", "policy"),
            gap("b_rule", "arn:aws:s3:::one", "versioning"),
        ];
        // The scan's verdicts were read first, through the same values.
        let mut shared = Shared::default();
        let verdict_arn = shared.arn("arn:aws:s3:::two".to_owned()).unwrap();
        let read = verdict_gaps(&column(&gaps), &mut shared).unwrap();
        assert_eq!(read.len(), 3);
        let same = |a: &VerdictGap, b: &VerdictGap| {
            (
                Arc::ptr_eq(&a.rule_id, &b.rule_id),
                Arc::ptr_eq(&a.resource_arn, &b.resource_arn),
                Arc::ptr_eq(&a.field, &b.field),
            )
        };
        // One rule in two runs (two fields); one field and ARN in two rules.
        assert_eq!(same(&read[0], &read[1]), (true, false, false));
        assert_eq!(same(&read[0], &read[2]), (false, true, true));
        assert!(Arc::ptr_eq(&read[1].resource_arn, &verdict_arn));
    }

    #[test]
    fn the_one_object_per_gap_form_of_earlier_builds_still_reads() {
        let gaps = vec![
            gap("a_rule", "arn:aws:s3:::one", "versioning"),
            gap("b_rule", "arn:aws:s3:::two", "policy"),
        ];
        let old = serde_json::to_string(&gaps).unwrap();
        assert!(old.contains("\"resource_arn\""));
        assert_eq!(from_column(&old).unwrap(), gaps);
        assert_eq!(as_verdict_gaps(&old), gaps);
        // Both forms in one list read too, in order.
        let mixed = format!(
            "[{}, [\"c_rule\", \"f\", [\"arn:aws:s3:::three\"]]]",
            serde_json::to_string(&gaps[0]).unwrap()
        );
        let want = vec![gaps[0].clone(), gap("c_rule", "arn:aws:s3:::three", "f")];
        assert_eq!(from_column(&mixed).unwrap(), want);
        assert_eq!(as_verdict_gaps(&mixed), want);
    }

    #[test]
    fn a_damaged_column_is_named_not_guessed() {
        for bad in [
            "{",
            "[[\"rule\", \"field\"]]",
            "[[\"rule\", \"field\", [\"not an arn\"]]]",
            "[{\"rule_id\": \"r\"}]",
            "[42]",
            "[[\"rule\", \"field\", [], \"a fourth\"]]",
            "[[\"rule\", \"field\", [\"arn:aws:s3:::b\"]]] trailing",
        ] {
            for err in [
                from_column(bad).unwrap_err(),
                verdict_gaps(bad, &mut Shared::default()).unwrap_err(),
            ] {
                assert!(
                    matches!(
                        err,
                        StoreError::Corrupt {
                            what: "evaluation gaps",
                            ..
                        }
                    ),
                    "{bad}: {err}"
                );
            }
        }
    }

    #[test]
    fn a_rule_with_many_gaps_takes_a_fraction_of_the_old_form() {
        let gaps: Vec<_> = (0..10_000)
            .map(|i| {
                gap(
                    "s3_bucket_versioning_enabled",
                    &format!("arn:aws:s3:::bucket-{i:06}"),
                    "versioning",
                )
            })
            .collect();
        let (new, old) = (column(&gaps), serde_json::to_string(&gaps).unwrap());
        assert!(new.len() * 2 < old.len(), "{} vs {}", new.len(), old.len());
        assert_eq!(from_column(&new).unwrap(), gaps);
        assert_eq!(as_verdict_gaps(&new), gaps);
    }
}
