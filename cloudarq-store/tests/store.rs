//! Store behaviour on both backends: round trips, encryption at rest,
//! tampering, tenant isolation, rotation, retention, backups, pagination.

#![allow(
    clippy::unwrap_used,
    reason = "test bodies, shared by both backends through `both!`, fail loudly"
)]

mod common;

use std::borrow::Cow;
use std::collections::HashSet;

use cloudarq_model::finding::ResultSource;
use cloudarq_model::rule::{Severity, Status};
use cloudarq_store::StoreError;
use cloudarq_store::connections::NewConnection;
use cloudarq_store::findings::FindingFilter;
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::rotation::RotateOptions;
use cloudarq_store::scans::{ScanStatus, ScanTimes};
use cloudarq_store::users::Role;
use common::*;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

// ---------------------------------------------------------------- round trip

async fn scan_round_trip(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let result = demo_result();
    let id = record(&env, &scope, conn, &result, 100).await;
    let back = env.store.load_result(&scope, id).await.unwrap();
    assert_eq!(back.findings.len(), result.findings.len());
    for (a, b) in back.findings.iter().zip(&result.findings) {
        assert_eq!(a, b, "finding reads back as recorded");
    }
    assert_eq!(back.scores, result.scores);
    assert_eq!(back.coverage_gaps, result.coverage_gaps);
    assert_eq!(back.evaluation_gaps, result.evaluation_gaps);
    assert_eq!(back, result, "a stored scan reads back as recorded");
    let scans = env.store.scans(&scope, Some(conn)).await.unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].status, ScanStatus::Succeeded);
    assert_eq!(scans[0].findings as usize, result.findings.len());
    let fails = result
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .count();
    assert_eq!(scans[0].failed as usize, fails);
    let creds = env.store.credentials(&scope, conn).await.unwrap();
    assert_eq!(creds.external_id.unwrap().expose_secret(), SENTINEL_EXT);
    let keys = creds.static_keys.unwrap();
    assert_eq!(keys.access_key_id.expose_secret(), SENTINEL_AKID);
    assert_eq!(keys.secret_access_key.expose_secret(), SENTINEL_SECRET);
    assert!(keys.session_token.is_none());
}
both!(scan_round_trip);

/// A stored scan keeps the catalogue of the rules it ran (result format 2),
/// so a report rendered from the store shows a WebAssembly rule's
/// remediation, which no built-in index knows.
async fn issue_10_a_report_from_a_stored_scan_shows_every_rules_remediation(env: Env) {
    use cloudarq_core::report::{RuleIndex, html};
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let mut result = demo_result();
    assert!(!result.rules.is_empty(), "the engine writes its catalogue");
    // A failing finding of a rule only a package describes.
    let mut f = result
        .findings
        .iter()
        .find(|f| f.status == Status::Fail)
        .unwrap()
        .clone();
    f.rule_id = "acme_house_rule".into();
    f.title = "House rule".into();
    result.findings.push(f);
    let mut info = result.rules[0].clone();
    info.id = "acme_house_rule".into();
    info.title = "House rule".into();
    info.remediation.cli = "acme-fix --house-rule <bucket>".into();
    result.rules.push(info);
    let id = record(&env, &scope, conn, &result, 100).await;
    let back = env.store.load_result(&scope, id).await.unwrap();
    assert_eq!(
        back.rules, result.rules,
        "the catalogue reads back as recorded"
    );
    let page = html::render(&back, &RuleIndex::empty());
    assert!(page.contains("acme-fix --house-rule &lt;bucket&gt;"));
}
both!(issue_10_a_report_from_a_stored_scan_shows_every_rules_remediation);

/// The store takes and returns cloudarq-model's types: what it lists is what
/// was given, parsed; keys with a session token (which expires) are refused
/// before anything is written.
async fn issue_10_connections_are_typed(env: Env) {
    let scope = tenant(&env, "acme").await;
    connection(&env, &scope, "prod").await;
    let listed = env.store.connections(&scope).await.unwrap();
    assert_eq!(listed.len(), 1);
    let c = &listed[0];
    assert_eq!(c.account_id.as_ref().unwrap().as_str(), "123456789012");
    let role = c.role_arn.as_ref().unwrap();
    assert_eq!(
        role.as_str(),
        "arn:aws:iam::123456789012:role/CloudArqReadOnly"
    );
    assert_eq!(role.account_id(), c.account_id.as_ref().unwrap());

    let mut keys = cloudarq_model::StaticKeys::new(
        SecretString::from(SENTINEL_AKID),
        SecretString::from(SENTINEL_SECRET),
    );
    keys.session_token = Some(SecretString::from("SENTINEL-session-token"));
    let e = env
        .store
        .create_connection(
            &scope,
            NewConnection {
                name: "temporary".into(),
                account_id: None,
                role_arn: None,
                external_id: None,
                static_keys: Some(keys),
            },
            t(2),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::InvalidInput {
                field: "static keys",
                ..
            }
        ),
        "{e}"
    );
    assert!(!e.to_string().contains("SENTINEL"), "{e}");
    assert_eq!(env.store.connections(&scope).await.unwrap().len(), 1);
}
both!(issue_10_connections_are_typed);

async fn score_history_and_time_range(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let mut r = demo_result();
    let fw = r.scores[0].framework.clone();
    let mut ids = Vec::new();
    for (i, score) in [40.0, 55.5, 70.0].into_iter().enumerate() {
        r.collected_at = cloudarq_model::Timestamp::new(t(86_400 * i as i64));
        r.scores[0].total.score = Some(score);
        ids.push(record(&env, &scope, conn, &r, 86_400 * i as i64).await);
    }
    let all = env
        .store
        .score_history(&scope, conn, &fw, t(0), t(86_400 * 3))
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|p| p.score).collect::<Vec<_>>(),
        [Some(40.0), Some(55.5), Some(70.0)]
    );
    assert_eq!(all.iter().map(|p| p.scan).collect::<Vec<_>>(), ids);
    let last_two = env
        .store
        .score_history(&scope, conn, &fw, t(1), t(86_400 * 3))
        .await
        .unwrap();
    assert_eq!(last_two.len(), 2);
    assert!(
        env.store
            .score_history(&scope, conn, "no_such", t(0), t(999_999))
            .await
            .unwrap()
            .is_empty()
    );
}
both!(score_history_and_time_range);

async fn findings_filter_and_keyset_pages(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let result = big_result(1_000);
    let scan = record(&env, &scope, conn, &result, 0).await;
    // Unfiltered: pages of 7 cover every finding once, most severe first.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = env
            .store
            .findings_page(&scope, scan, &FindingFilter::default(), cursor, 7)
            .await
            .unwrap();
        seen.extend(page.findings);
        match page.next {
            Some(c) => {
                // The token round-trips.
                cursor = Some(cloudarq_store::findings::Cursor::from_token(&c.to_token()).unwrap());
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), result.findings.len());
    let arns: HashSet<_> = seen
        .iter()
        .map(|f| (f.rule_id.clone(), f.resource_arn.clone()))
        .collect();
    assert_eq!(arns.len(), seen.len(), "no finding twice");
    assert!(
        seen.windows(2).all(|w| w[0].severity >= w[1].severity),
        "most severe first"
    );

    // Each filter gives exactly the matching findings.
    let high_fail = FindingFilter {
        severity: Some(Severity::High),
        status: Some(Status::Fail),
        ..Default::default()
    };
    let want = result
        .findings
        .iter()
        .filter(|f| f.severity == Severity::High && f.status == Status::Fail)
        .count();
    let page = env
        .store
        .findings_page(&scope, scan, &high_fail, None, 1000)
        .await
        .unwrap();
    assert_eq!(page.findings.len(), want);
    assert!(want > 0);
    let rule = result.findings[0].rule_id.clone();
    let by_rule = FindingFilter {
        rule_id: Some(rule.clone()),
        ..Default::default()
    };
    let page = env
        .store
        .findings_page(&scope, scan, &by_rule, None, 1000)
        .await
        .unwrap();
    assert_eq!(
        page.findings.len(),
        result.findings.iter().filter(|f| f.rule_id == rule).count()
    );
    let by_service = FindingFilter {
        service: Some("iam".into()),
        ..Default::default()
    };
    let page = env
        .store
        .findings_page(&scope, scan, &by_service, None, 1000)
        .await
        .unwrap();
    assert_eq!(
        page.findings.len(),
        result
            .findings
            .iter()
            .filter(|f| f.service.as_str() == "iam")
            .count()
    );
    // Text: case-insensitive substring, and LIKE wildcards are literal.
    let text = FindingFilter {
        text: Some("BENCH-BUCKET-00012".into()),
        ..Default::default()
    };
    let page = env
        .store
        .findings_page(&scope, scan, &text, None, 1000)
        .await
        .unwrap();
    assert_eq!(page.findings.len(), 10, "bench-bucket-000120 … 000129");
    let wildcard = FindingFilter {
        text: Some("%".into()),
        ..Default::default()
    };
    assert!(
        env.store
            .findings_page(&scope, scan, &wildcard, None, 10)
            .await
            .unwrap()
            .findings
            .is_empty()
    );
    let quote = FindingFilter {
        text: Some("'; DROP TABLE findings; --".into()),
        region: Some("' OR 1=1 --".into()),
        ..Default::default()
    };
    assert!(
        env.store
            .findings_page(&scope, scan, &quote, None, 10)
            .await
            .unwrap()
            .findings
            .is_empty()
    );
    assert!(matches!(
        env.store
            .findings_page(&scope, scan, &FindingFilter::default(), None, 0)
            .await,
        Err(StoreError::InvalidInput {
            field: "page size",
            ..
        })
    ));
    assert!(cloudarq_store::findings::Cursor::from_token("garbage").is_err());
}
both!(findings_filter_and_keyset_pages);

// ------------------------------------------------------------ bulk writes

/// A scan of 4,567 findings (no multiple of any batch size: PostgreSQL
/// writes 2,000 rows per statement, SQLite 256, 32, 4 and 1) whose values
/// are varied and hostile: every status and severity, unicode, quotes, SQL
/// text, control characters (not NUL, which PostgreSQL's text refuses), very
/// long messages, global findings without a region, evidence maps.
fn hostile_result(n: usize) -> cloudarq_model::finding::ScanResult {
    let mut r = demo_result();
    let base = r.findings.clone();
    let statuses = [Status::Pass, Status::Fail, Status::Error, Status::Muted];
    let severities = [
        Severity::Informational,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let regions = ["us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1"];
    let hostile = [
        "plain",
        "quote ' double \" backslash \\ percent % underscore _",
        "'); DROP TABLE findings; --",
        "ünïcödé 日本語 🙂 \u{202e}rtl\u{202c} \u{200b}zero-width",
        "controls \t\r\n \u{1} \u{7f} \u{1b}[31m \u{9b}",
        "$1 $2 ?1 ? :name @x",
        "",
    ];
    r.findings = (0..n)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            let h = hostile[i % hostile.len()];
            f.status = statuses[i % statuses.len()];
            f.severity = severities[(i / 4) % severities.len()];
            f.region = match i % 5 {
                0 => None,
                k => Some(regions[k % regions.len()].parse().unwrap()),
            };
            f.resource_arn = format!("arn:aws:s3:::hostile-{i:05}").parse().unwrap();
            f.rule_id = format!("{}_{}", f.rule_id, i % 13);
            f.title = format!("{h} title {i}");
            f.resource_name = format!("{h}-{i}");
            f.message = if i % 997 == 3 {
                // Long, multi-byte, and not a round size.
                format!("{h} {}", "long ✓ message ".repeat(9_000 + i))
            } else {
                format!("{h} message {i}")
            };
            f.severity_reason = (i % 3 == 0).then(|| format!("reason {h} {i}"));
            f.muted_reason = (f.status == Status::Muted).then(|| format!("muted: {h}"));
            f.evidence = match i % 4 {
                0 => serde_json::Value::Null,
                1 => serde_json::json!({ "port": i, "open": true, "ratio": 0.5 }),
                2 => serde_json::json!({
                    h: [h, null, {"nested": {"deeper": [1, -2, 3]}}],
                    "empty": {},
                    "list": [],
                }),
                _ => serde_json::json!({ "text": h.repeat(40), "n": -(i as i64) }),
            };
            if i % 6 == 0 {
                f.controls.clear();
            }
            f
        })
        .collect();
    r
}

const BULK: usize = 4_567;

async fn a_large_hostile_scan_reads_back_exactly(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let result = hostile_result(BULK);
    let statuses: HashSet<_> = result.findings.iter().map(|f| f.status).collect();
    let severities: HashSet<_> = result.findings.iter().map(|f| f.severity).collect();
    assert_eq!((statuses.len(), severities.len()), (4, 5));
    let id = record(&env, &scope, conn, &result, 100).await;
    let back = env.store.load_result(&scope, id).await.unwrap();
    assert_eq!(back.findings.len(), BULK);
    for (i, (a, b)) in back.findings.iter().zip(&result.findings).enumerate() {
        assert_eq!(a, b, "finding {i} reads back as recorded, in order");
    }
    assert_eq!(back, result);
    let scans = env.store.scans(&scope, Some(conn)).await.unwrap();
    assert_eq!(scans[0].findings as usize, BULK);
    // The plaintext columns filter as before.
    let page = env
        .store
        .findings_page(
            &scope,
            id,
            &FindingFilter {
                severity: Some(Severity::Critical),
                status: Some(Status::Muted),
                text: Some("HOSTILE-0".into()),
                ..Default::default()
            },
            None,
            1000,
        )
        .await
        .unwrap();
    let want = result
        .findings
        .iter()
        .filter(|f| {
            f.severity == Severity::Critical
                && f.status == Status::Muted
                && f.resource_arn.as_str().contains("hostile-0")
        })
        .count();
    assert!(want > 0);
    assert_eq!(page.findings.len(), want);
}
both!(a_large_hostile_scan_reads_back_exactly);

/// The engine's lean in-memory result (what a scan holds: each rule's and
/// resource's fields once, evidence as compact JSON) is stored without
/// being made into a `ScanResult` first, and reads back as exactly the
/// document it stands for: the same hostile values, order and gaps.
async fn the_lean_result_stores_as_its_document(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let mut result = hostile_result(BULK);
    result.evaluation_gaps = result
        .findings
        .iter()
        .step_by(7)
        .map(|f| cloudarq_model::finding::EvaluationGap {
            rule_id: f.rule_id.clone(),
            resource_arn: f.resource_arn.clone(),
            field: format!("field {}", f.message.len() % 5),
        })
        .collect();
    let lean = cloudarq_core::engine::Evaluation::from(result.clone());
    let times = ScanTimes {
        started_at: t(100),
        finished_at: t(105),
    };
    let id = env
        .store
        .record_scan(&scope, conn, &lean, times)
        .await
        .unwrap();
    let back = env.store.load_result(&scope, id).await.unwrap();
    assert_eq!(back.findings.len(), BULK);
    assert_eq!(back, result);
}
both!(the_lean_result_stores_as_its_document);

/// A stored scan's verdicts (what the comparison with the next scan reads)
/// are its findings' plaintext fields, in order, hostile text included; a
/// rule's findings share one id and title, a resource's one ARN, a region's
/// one region. Another tenant's scan, and a
/// scan that has not succeeded, are not found.
async fn verdicts_read_back_without_the_details(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let mut result = hostile_result(BULK);
    // One resource with a finding of many rules.
    for f in result.findings.iter_mut().skip(1).step_by(3) {
        f.resource_arn = "arn:aws:s3:::one-bucket-many-rules".parse().unwrap();
    }
    // Gaps of two more rules on it, with hostile fields.
    result
        .evaluation_gaps
        .extend(
            ["gap_rule_a", "gap_rule_b"].map(|rule| cloudarq_model::finding::EvaluationGap {
                rule_id: rule.to_owned(),
                resource_arn: "arn:aws:s3:::one-bucket-many-rules".parse().unwrap(),
                field: "'); DROP TABLE scans; -- \u{202e}\"]".to_owned(),
            }),
        );
    let id = record(&env, &scope, conn, &result, 100).await;
    let v = env.store.load_verdicts(&scope, id).await.unwrap();
    assert_eq!(v.account_id, result.account_id);
    let gaps: Vec<_> = v
        .evaluation_gaps
        .iter()
        .map(|g| (&*g.rule_id, &*g.resource_arn, &*g.field))
        .collect();
    let want: Vec<_> = result
        .evaluation_gaps
        .iter()
        .map(|g| (g.rule_id.as_str(), &g.resource_arn, g.field.as_str()))
        .collect();
    assert_eq!(gaps, want);
    assert_eq!(v.coverage_gaps, result.coverage_gaps);
    assert_eq!(v.verdicts.len(), BULK);
    for (i, (v, f)) in v.verdicts.iter().zip(&result.findings).enumerate() {
        let want = (
            f.rule_id.as_str(),
            f.title.as_str(),
            f.service,
            &f.resource_arn,
            f.region.as_ref(),
            f.status,
            f.severity,
        );
        let got = (
            &*v.rule_id,
            &*v.title,
            v.service,
            &*v.resource_arn,
            v.region.as_deref(),
            v.status,
            v.severity,
        );
        assert_eq!(got, want, "verdict {i}");
    }
    // A rule id that several findings carry (the titles are all distinct).
    let rule = v
        .verdicts
        .iter()
        .map(|x| &x.rule_id)
        .find(|r| v.verdicts.iter().filter(|x| x.rule_id == **r).count() > 1)
        .unwrap();
    let same_rule: Vec<_> = v.verdicts.iter().filter(|x| x.rule_id == *rule).collect();
    assert!(
        same_rule
            .iter()
            .all(|x| std::sync::Arc::ptr_eq(&x.rule_id, rule)),
        "one shared id per rule"
    );
    // An ARN, and a region, that several findings carry: held once.
    for (what, shared) in [
        (
            "ARN",
            v.verdicts
                .iter()
                .map(|x| Some(x.resource_arn.as_str()))
                .collect::<Vec<_>>(),
        ),
        (
            "region",
            v.verdicts
                .iter()
                .map(|x| x.region.as_deref().map(|r| r.as_str()))
                .collect(),
        ),
    ] {
        let repeated = shared
            .iter()
            .enumerate()
            .find_map(|(i, s)| {
                let later = shared
                    .iter()
                    .skip(i + 1)
                    .position(|t| t == s && s.is_some())?;
                Some((i, i + 1 + later))
            })
            .unwrap_or_else(|| panic!("no {what} is carried by two findings"));
        let (a, b) = repeated;
        assert!(
            std::ptr::eq(shared[a].unwrap(), shared[b].unwrap()),
            "one {what} held once: verdicts {a} and {b}"
        );
    }
    // The gaps hold the ARN the verdicts hold, and share one field.
    let many = v
        .verdicts
        .iter()
        .find(|x| x.resource_arn.as_str() == "arn:aws:s3:::one-bucket-many-rules")
        .unwrap();
    let on_it: Vec<_> = v
        .evaluation_gaps
        .iter()
        .filter(|g| g.rule_id.starts_with("gap_rule_"))
        .collect();
    assert_eq!(on_it.len(), 2);
    for g in &on_it {
        assert!(std::sync::Arc::ptr_eq(&g.resource_arn, &many.resource_arn));
        assert!(std::sync::Arc::ptr_eq(&g.field, &on_it[0].field));
    }

    let other = tenant(&env, "other").await;
    assert!(matches!(
        env.store.load_verdicts(&other, id).await,
        Err(StoreError::NotFound { .. })
    ));
    let queued = env.store.queue_scan(&scope, conn, t(200)).await.unwrap();
    assert!(matches!(
        env.store.load_verdicts(&scope, queued).await,
        Err(StoreError::NotFound { .. })
    ));
}
both!(verdicts_read_back_without_the_details);

/// A result source that counts one number of findings and yields another.
#[derive(Debug)]
struct Miscounted {
    inner: cloudarq_model::finding::ScanResult,
    counted: usize,
}

impl ResultSource for Miscounted {
    fn head(&self) -> &cloudarq_model::finding::ScanResult {
        &self.inner
    }
    fn finding_count(&self) -> usize {
        self.counted
    }
    fn findings(
        &self,
    ) -> Box<dyn Iterator<Item = Cow<'_, cloudarq_model::finding::Finding>> + Send + '_> {
        ResultSource::findings(&self.inner)
    }
    fn evaluation_gaps(
        &self,
    ) -> Box<dyn Iterator<Item = Cow<'_, cloudarq_model::finding::EvaluationGap>> + Send + '_> {
        self.inner.evaluation_gaps()
    }
}

/// A source whose count is wrong either way is refused with an error
/// naming it, past the first batches, and nothing of that scan is kept:
/// no scan row, no finding; the earlier scan is untouched.
async fn a_result_that_miscounts_its_findings_is_refused(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let first = record(&env, &scope, conn, &demo_result(), 10).await;
    let result = hostile_result(BULK);
    for (counted, says) in [(BULK + 300, "yielded fewer"), (BULK - 300, "yielded more")] {
        let source = Miscounted {
            inner: result.clone(),
            counted,
        };
        let times = ScanTimes {
            started_at: t(100),
            finished_at: t(105),
        };
        let err = env
            .store
            .record_scan(&scope, conn, &source, times)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                StoreError::InvalidInput {
                    field: "result",
                    ..
                }
            ) && text.contains(says),
            "{text}"
        );
        let scans = env.store.scans(&scope, Some(conn)).await.unwrap();
        assert_eq!(scans.len(), 1, "{counted}: only the first scan is stored");
        assert_eq!(scans[0].id, first);
    }
    let back = env.store.load_result(&scope, first).await.unwrap();
    assert_eq!(back, demo_result());
}
both!(a_result_that_miscounts_its_findings_is_refused);

/// A batch the database refuses part-way (a trigger rejects one finding
/// past the first full batch on either backend) rolls the whole scan back:
/// no finding, no scan row, no counted encryption; earlier scans untouched.
async fn a_batch_failing_part_way_leaves_nothing_behind(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let first = demo_result();
    let kept = record(&env, &scope, conn, &first, 100).await;
    let keys_before = env.store.key_status(env.runner()).await.unwrap();

    let mut raw = raw(&env).await;
    match &raw {
        Raw::Sqlite(_) => {
            raw_exec!(
                raw,
                "CREATE TRIGGER reject_poison BEFORE INSERT ON findings WHEN NEW.rule_id = 'poison' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned finding refused'); END"
            )
            .unwrap();
        }
        Raw::Pg(_) => {
            raw_exec!(
                raw,
                "CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.rule_id = 'poison' THEN RAISE EXCEPTION 'poisoned finding refused'; END IF; \
                 RETURN NEW; END $$"
            )
            .unwrap();
            raw_exec!(
                raw,
                "CREATE TRIGGER reject_poison BEFORE INSERT ON findings \
                 FOR EACH ROW EXECUTE FUNCTION reject_poison()"
            )
            .unwrap();
        }
    }
    let mut bad = hostile_result(BULK);
    // Past PostgreSQL's first batch (2,000) and SQLite's first eleven (2,816).
    bad.findings[3_001].rule_id = "poison".into();
    let err = env
        .store
        .record_scan(
            &scope,
            conn,
            &bad,
            cloudarq_store::scans::ScanTimes {
                started_at: t(200),
                finished_at: t(205),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Database { .. }) && format!("{err:?}").contains("poisoned"),
        "{err:?}"
    );
    let scans = env.store.scans(&scope, None).await.unwrap();
    assert_eq!(scans.len(), 1, "no scan row left behind");
    assert_eq!(scans[0].id, kept);
    let tenant_id = scope.tenant().as_uuid();
    assert_eq!(rows_of(&mut raw, "scans", tenant_id, None).await, 1);
    assert_eq!(
        rows_of(&mut raw, "findings", tenant_id, None).await,
        first.findings.len() as i64,
        "no finding of the refused scan left behind"
    );
    assert_eq!(
        env.store.load_result(&scope, kept).await.unwrap(),
        first,
        "the earlier scan is untouched"
    );
    assert_eq!(
        env.store.key_status(env.runner()).await.unwrap(),
        keys_before,
        "the refused scan's encryptions are not counted"
    );
    // Without the poison the same scan is stored.
    bad.findings[3_001].rule_id = "fine".into();
    let id = record(&env, &scope, conn, &bad, 300).await;
    assert_eq!(env.store.load_result(&scope, id).await.unwrap(), bad);
}
both!(a_batch_failing_part_way_leaves_nothing_behind);

/// The primary data key's encryption counter advances by exactly the number
/// of findings sealed, whatever the batch sizes.
async fn the_encryption_counter_advances_by_the_findings_sealed(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let counter = || async {
        let status = env.store.key_status(env.runner()).await.unwrap();
        let (kid, key) = status
            .data_keys
            .iter()
            .find(|(_, k)| k.tenant == scope.tenant() && k.state == "primary")
            .unwrap();
        (*kid, key.encryptions, key.rows)
    };
    let (kid, mut used, mut rows) = counter().await;
    for (at, n) in [
        (100, BULK),
        (200, 1),
        (300, 257),
        (400, 2_000),
        (500, 2_001),
    ] {
        let result = hostile_result(n);
        record(&env, &scope, conn, &result, at).await;
        let (k, u, r) = counter().await;
        assert_eq!(k, kid, "the same primary key");
        assert_eq!(u - used, n as i64, "{n} findings sealed, {n} counted");
        assert_eq!(r - rows, n as u64, "{n} rows under the key");
        (used, rows) = (u, r);
    }
}
both!(the_encryption_counter_advances_by_the_findings_sealed);

// -------------------------------------------------------- encryption at rest

/// Every byte the database holds, as text: the SQLite file with its WAL, or a
/// plain pg_dump (as the superuser, so RLS hides nothing).
async fn database_bytes(env: &Env) -> Vec<u8> {
    match &env.sqlite_file {
        Some(f) => {
            let mut all = std::fs::read(f).unwrap();
            for ext in ["db-wal", "db-shm"] {
                if let Ok(b) = std::fs::read(f.with_extension(ext)) {
                    all.extend(b);
                }
            }
            all
        }
        None => {
            let out = std::process::Command::new("pg_dump")
                .args(["--format=plain", "--no-password"])
                .arg(format!("--dbname={}", env.url))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn dump_holds_no_secret(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    env.store
        .create_user(
            &scope,
            "ops\x40acme.test",
            Role::Admin,
            None,
            Some(&SecretString::from(SENTINEL_TOTP)),
            t(2),
        )
        .await
        .unwrap();
    let mut r = demo_result();
    r.findings[0].message = "SENTINEL-FINDING-DETAIL".into();
    record(&env, &scope, conn, &r, 10).await;
    let bytes = database_bytes(&env).await;
    // The control: plaintext metadata is there, so the search works.
    assert!(contains(
        &bytes,
        "arn:aws:iam::123456789012:role/CloudArqReadOnly"
    ));
    for secret in [
        SENTINEL_AKID,
        SENTINEL_SECRET,
        SENTINEL_EXT,
        SENTINEL_TOTP,
        "SENTINEL-FINDING-DETAIL",
    ] {
        assert!(!contains(&bytes, secret), "{secret} found in the database");
    }
    // No unwrapped data key either: the master key's bytes are not there.
    assert!(!contains(&bytes, "SENTINEL"));
}
both!(dump_holds_no_secret);

async fn tampered_or_moved_ciphertexts_fail_integrity(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let ca = connection(&env, &a, "prod").await;
    let cb = connection(&env, &b, "prod").await;
    let mut small = demo_result();
    small.findings.truncate(3);
    let sa = record(&env, &a, ca, &small, 0).await;
    record(&env, &b, cb, &small, 0).await;
    let mut raw = raw(&env).await;
    let rows = raw_rows!(
        raw,
        (Uuid, Vec<u8>),
        "SELECT id, details FROM findings WHERE scan_id = $1 ORDER BY id",
        sa.0
    );

    // 1. A flipped bit.
    let mut flipped = rows[0].1.clone();
    let last = flipped.len() - 1;
    flipped[last - 20] ^= 0x04;
    raw_exec!(
        raw,
        "UPDATE findings SET details = $1 WHERE id = $2",
        flipped,
        rows[0].0
    )
    .unwrap();
    let err = env.store.load_result(&a, sa).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("integrity check failed for findings.details"),
        "{err}"
    );
    raw_exec!(
        raw,
        "UPDATE findings SET details = $1 WHERE id = $2",
        rows[0].1.clone(),
        rows[0].0
    )
    .unwrap();
    assert!(env.store.load_result(&a, sa).await.is_ok());

    // 2. Two rows swapped.
    raw_exec!(
        raw,
        "UPDATE findings SET details = $1 WHERE id = $2",
        rows[1].1.clone(),
        rows[0].0
    )
    .unwrap();
    assert!(matches!(
        env.store.load_result(&a, sa).await,
        Err(StoreError::Crypto(_))
    ));
    raw_exec!(
        raw,
        "UPDATE findings SET details = $1 WHERE id = $2",
        rows[0].1.clone(),
        rows[0].0
    )
    .unwrap();

    // 3. Tenant B's credential moved into tenant A's row.
    let b_ext = raw_rows!(
        raw,
        (Vec<u8>,),
        "SELECT external_id FROM connection_credentials WHERE connection_id = $1",
        cb.0
    );
    raw_exec!(
        raw,
        "UPDATE connection_credentials SET external_id = $1 WHERE connection_id = $2",
        b_ext[0].0.clone(),
        ca.0
    )
    .unwrap();
    let err = env.store.credentials(&a, ca).await.unwrap_err();
    assert!(err.to_string().contains("integrity check failed"), "{err}");

    // 4. A truncated value and an unknown format version.
    raw_exec!(
        raw,
        "UPDATE findings SET details = $1 WHERE id = $2",
        vec![1u8, 0, 0],
        rows[2].0
    )
    .unwrap();
    assert!(
        env.store
            .load_result(&a, sa)
            .await
            .unwrap_err()
            .to_string()
            .contains("truncated")
    );
    let mut v9 = rows[2].1.clone();
    v9[0] = 9;
    raw_exec!(
        raw,
        "UPDATE findings SET details = $1 WHERE id = $2",
        v9,
        rows[2].0
    )
    .unwrap();
    assert!(
        env.store
            .load_result(&a, sa)
            .await
            .unwrap_err()
            .to_string()
            .contains("version 9")
    );
}
both!(tampered_or_moved_ciphertexts_fail_integrity);

async fn key_limit_is_a_hard_stop(env: Env) {
    let url = env.another_db("limited").await;
    let (store, runner) = cloudarq_store::Store::open(
        cloudarq_store::StoreConfig::new(&url).key_limit(50),
        cloudarq_store::testing::memory_keyring(),
    )
    .await
    .unwrap();
    let scope = runner.scope(store.create_tenant(&runner, "x", t(0)).await.unwrap());
    let conn = store
        .create_connection(
            &scope,
            NewConnection {
                name: "c".into(),
                account_id: None,
                role_arn: None,
                external_id: None,
                static_keys: None,
            },
            t(0),
        )
        .await
        .unwrap();
    let mut r = demo_result();
    r.findings.truncate(30);
    let times = cloudarq_store::scans::ScanTimes {
        started_at: t(0),
        finished_at: t(1),
    };
    store.record_scan(&scope, conn, &r, times).await.unwrap();
    let err = store
        .record_scan(&scope, conn, &r, times)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::KeyExhausted {
                used: 30,
                limit: 50,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("keys rotate"), "{err}");
    assert_eq!(
        store.scans(&scope, None).await.unwrap().len(),
        1,
        "the refused scan left nothing"
    );
    // Rotation moves the 30 rows to a fresh key; writing works again.
    let rep = store
        .rotate(&runner, RotateOptions::default(), t(2))
        .await
        .unwrap();
    assert_eq!((rep.reencrypted, rep.destroyed_data_keys), (30, 1));
    r.findings.truncate(10);
    store.record_scan(&scope, conn, &r, times).await.unwrap();
}
both!(key_limit_is_a_hard_stop);

// ------------------------------------------------------------ tenant walls

async fn no_read_or_write_crosses_tenants(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let ca = connection(&env, &a, "prod").await;
    let sa = record(&env, &a, ca, &demo_result(), 0).await;
    let uid = env
        .store
        .create_user(
            &a,
            "ops\x40a.test",
            Role::Admin,
            None,
            Some(&SecretString::from(SENTINEL_TOTP)),
            t(0),
        )
        .await
        .unwrap();
    // Reads.
    assert!(env.store.connections(&b).await.unwrap().is_empty());
    assert!(env.store.scans(&b, None).await.unwrap().is_empty());
    assert!(matches!(
        env.store.credentials(&b, ca).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        env.store.load_result(&b, sa).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        env.store
            .findings_page(&b, sa, &FindingFilter::default(), None, 100)
            .await
            .unwrap()
            .findings
            .is_empty()
    );
    assert!(
        env.store
            .score_history(&b, ca, "cis_aws_3.0", t(-1), t(1_000_000))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        env.store.totp_seed(&b, uid).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(env.store.audit_log(&b).await.unwrap().is_empty());
    // Writes.
    assert!(matches!(
        env.store
            .record_scan(
                &b,
                ca,
                &demo_result(),
                cloudarq_store::scans::ScanTimes {
                    started_at: t(0),
                    finished_at: t(1)
                }
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        env.store.queue_scan(&b, ca, t(0)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        env.store
            .delete_connection(&b, ca, RetentionPolicy::default(), t(0))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    // A's data is untouched.
    assert_eq!(env.store.connections(&a).await.unwrap().len(), 1);
    assert_eq!(env.store.scans(&a, None).await.unwrap().len(), 1);
    assert_eq!(
        env.store
            .credentials(&a, ca)
            .await
            .unwrap()
            .external_id
            .unwrap()
            .expose_secret(),
        SENTINEL_EXT
    );
}
both!(no_read_or_write_crosses_tenants);

// ------------------------------------------------------------------ rotation

async fn rotation_of_10k_rows_with_a_writer_killed_and_resumed(env: Env) {
    use cloudarq_store::testing::{Pause, PausePoint};
    use std::sync::Arc;
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let big = big_result(10_000);
    let scan = record(&env, &scope, conn, &big, 0).await;
    let runner = Arc::new(env.runner);
    let before = env.store.key_status(&runner).await.unwrap();
    let (old_kid, old) = before
        .data_keys
        .iter()
        .next()
        .map(|(k, v)| (*k, v.clone()))
        .unwrap();
    assert_eq!(old.rows, 10_003, "10 000 findings + 3 credential columns");

    let _keep = (env.pg, env.dir);
    let store = Arc::new(env.store);
    // A writer adds scans and connections throughout.
    let writer = {
        let store = store.clone();
        let scope = scope.clone();
        tokio::spawn(async move {
            let mut small = demo_result();
            small.findings.truncate(20);
            let mut written = Vec::new();
            for i in 0..15 {
                let c = store
                    .create_connection(
                        &scope,
                        NewConnection {
                            name: format!("w{i}"),
                            account_id: None,
                            role_arn: None,
                            external_id: Some(ext(&format!("ext-{i}-writer"))),
                            static_keys: None,
                        },
                        t(10 + i),
                    )
                    .await
                    .unwrap();
                let s = store
                    .record_scan(
                        &scope,
                        c,
                        &small,
                        cloudarq_store::scans::ScanTimes {
                            started_at: t(10 + i),
                            finished_at: t(11 + i),
                        },
                    )
                    .await
                    .unwrap();
                written.push((c, s));
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            written
        })
    };
    // First run: held after its 61st committed batch (50 rows each: about
    // 3,000 of the 10,000 findings moved), then killed there.
    let mut stop = Pause::arm_after(PausePoint::RotationBatchCommitted, scope.tenant(), 60);
    let first = {
        let store = store.clone();
        let runner = runner.clone();
        tokio::spawn(async move {
            store
                .rotate(
                    &runner,
                    RotateOptions {
                        new_data_keys: true,
                        batch_size: 50,
                    },
                    t(5),
                )
                .await
        })
    };
    stop.reached().await.unwrap();
    assert!(!first.is_finished(), "held, so not finished");
    first.abort();
    let _ = first.await;
    drop(stop);
    let mid = store.key_status(&runner).await.unwrap();
    let left = mid.data_keys.get(&old_kid).map(|k| k.rows).unwrap_or(0);
    assert!(
        (1..8_000).contains(&left),
        "killed part way: {left} rows still under the old key"
    );
    // Resume.
    let rep = store
        .rotate(
            &runner,
            RotateOptions {
                new_data_keys: false,
                batch_size: 500,
            },
            t(6),
        )
        .await
        .unwrap();
    assert_eq!(rep.unreadable, 0);
    assert_eq!(rep.destroyed_data_keys, 1);
    let written = writer.await.unwrap();
    let after = store.key_status(&runner).await.unwrap();
    assert!(
        !after.data_keys.contains_key(&old_kid),
        "old data key destroyed"
    );
    assert_eq!(after.data_keys.len(), 1);
    let total_rows: u64 = after.data_keys.values().map(|k| k.rows).sum();
    assert_eq!(
        total_rows,
        10_003 + 15 * (20 + 1),
        "every row, old and concurrent, is under the new key"
    );
    // Plaintexts are equal.
    let back = store.load_result(&scope, scan).await.unwrap();
    assert_eq!(back.findings, big.findings);
    for (i, (c, s)) in written.iter().enumerate() {
        let creds = store.credentials(&scope, *c).await.unwrap();
        assert_eq!(
            creds.external_id.unwrap().expose_secret(),
            &format!("ext-{i}-writer")
        );
        assert_eq!(
            store.load_result(&scope, *s).await.unwrap().findings.len(),
            20
        );
    }
    assert_eq!(
        store
            .credentials(&scope, conn)
            .await
            .unwrap()
            .external_id
            .unwrap()
            .expose_secret(),
        SENTINEL_EXT
    );
}
both!(rotation_of_10k_rows_with_a_writer_killed_and_resumed);

/// Issue 16, item 1: a writer that read the primary data key just before a
/// rotation retired it. On PostgreSQL the two transactions are interleaved
/// at fixed points: the writer reads K1 as primary; rotation retires K1,
/// re-encrypts, finds K1 unused and stops before deleting it; the writer
/// then reserves, encrypts, inserts and commits; rotation deletes. No row
/// may end up under a deleted key. On SQLite the writer's transaction holds
/// the write lock from its first statement, so no rotation step can come
/// between its read and its reservation: the test shows the lock is held.
async fn rotation_never_destroys_a_key_a_writer_is_using(env: Env) {
    use cloudarq_store::testing::{Pause, PausePoint};
    use std::sync::Arc;
    let scope = tenant(&env, "acme").await;
    let first = connection(&env, &scope, "prod").await;
    let runner = Arc::new(env.runner);
    let before = env.store.key_status(&runner).await.unwrap();
    let old_kid = *before.data_keys.keys().next().unwrap();
    let url = env.url.clone();
    let is_pg = env.pg.is_some();
    let _keep = (env.pg, env.dir);
    let store = Arc::new(env.store);

    let mut writer_gate = Pause::arm(PausePoint::PrimaryKeyRead, scope.tenant());
    let writer = {
        let store = store.clone();
        let scope = scope.clone();
        tokio::spawn(async move {
            store
                .create_connection(
                    &scope,
                    NewConnection {
                        name: "late".into(),
                        account_id: None,
                        role_arn: None,
                        external_id: Some(ext("late-external-id")),
                        static_keys: None,
                    },
                    t(20),
                )
                .await
        })
    };
    writer_gate.reached().await.unwrap();
    let rotate = |store: Arc<cloudarq_store::Store>, runner: Arc<cloudarq_store::JobRunner>| async move {
        store.rotate(&runner, RotateOptions::default(), t(30)).await
    };
    let (late, report) = if is_pg {
        let mut rotation_gate = Pause::arm(PausePoint::RetiredKeyUnused, scope.tenant());
        let rotation = tokio::spawn(rotate(store.clone(), runner.clone()));
        rotation_gate.reached().await.unwrap();
        writer_gate.release();
        let late = writer.await.unwrap().unwrap();
        rotation_gate.release();
        (late, rotation.await.unwrap().unwrap())
    } else {
        use sqlx::ConnectOptions;
        use std::str::FromStr;
        let mut probe = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .unwrap()
            .busy_timeout(std::time::Duration::ZERO)
            .connect()
            .await
            .unwrap();
        let err = sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut probe)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("locked"), "{err}");
        writer_gate.release();
        let late = writer.await.unwrap().unwrap();
        (late, rotate(store.clone(), runner.clone()).await.unwrap())
    };
    assert_eq!(report.destroyed_data_keys, 1, "{report:?}");
    let after = store.key_status(&runner).await.unwrap();
    assert!(!after.data_keys.contains_key(&old_kid));
    let under_live_keys: u64 = after.data_keys.values().map(|k| k.rows).sum();
    assert_eq!(
        under_live_keys, 4,
        "every ciphertext is under a key that exists: {after:?}"
    );
    let read = |c| {
        let store = store.clone();
        let scope = scope.clone();
        async move {
            store
                .credentials(&scope, c)
                .await
                .unwrap()
                .external_id
                .unwrap()
                .expose_secret()
                .to_string()
        }
    };
    assert_eq!(read(late).await, "late-external-id");
    assert_eq!(read(first).await, SENTINEL_EXT);
}
both!(rotation_never_destroys_a_key_a_writer_is_using);

async fn master_key_rotation_and_removal_guard(env: Env) {
    // A file keyring, so keys can be added and removed.
    let path = env.dir.path().join("keyring.toml");
    let ring = cloudarq_store::Keyring::create_file(&path).unwrap();
    let url = env.another_db("masters").await;
    let (store, runner) = cloudarq_store::Store::open(&url, ring).await.unwrap();
    let scope = runner.scope(store.create_tenant(&runner, "acme", t(0)).await.unwrap());
    let conn = store
        .create_connection(
            &scope,
            NewConnection {
                name: "prod".into(),
                account_id: None,
                role_arn: None,
                external_id: Some(ext(SENTINEL_EXT)),
                static_keys: None,
            },
            t(0),
        )
        .await
        .unwrap();
    let mut r = demo_result();
    r.findings.truncate(40);
    store
        .record_scan(
            &scope,
            conn,
            &r,
            cloudarq_store::scans::ScanTimes {
                started_at: t(0),
                finished_at: t(1),
            },
        )
        .await
        .unwrap();
    let two = store.add_master_key(&runner).unwrap();
    store.promote_master_key(&runner, two).unwrap();
    let err = store.remove_master_key(&runner, 1).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::KeyInUse {
                id: 1,
                data_keys: 1,
                rows: 41
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("41 row(s)"), "{err}");
    let rep = store
        .rotate(&runner, RotateOptions::default(), t(2))
        .await
        .unwrap();
    assert_eq!(rep.reencrypted, 41);
    store.remove_master_key(&runner, 1).await.unwrap();
    store.close().await;
    // Reopened with the file: key 1 is gone and everything still decrypts.
    let ring = cloudarq_store::Keyring::load_file(&path).unwrap();
    assert_eq!(ring.ids(), [2]);
    let (store, _runner) = cloudarq_store::Store::open(&url, ring).await.unwrap();
    assert_eq!(
        store
            .credentials(&scope, conn)
            .await
            .unwrap()
            .external_id
            .unwrap()
            .expose_secret(),
        SENTINEL_EXT
    );
    // A keyring missing a referenced master key is refused at open.
    store.close().await;
    let err = cloudarq_store::Store::open(&url, cloudarq_store::testing::memory_keyring())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::MasterKeyMissing { master_key: 2, .. }),
        "{err}"
    );
}
both!(master_key_rotation_and_removal_guard);

// ----------------------------------------------------------------- retention

/// Every table with a `tenant_id` or `connection_id` column, from the
/// database's own catalog, so a new table cannot be forgotten.
async fn tenant_tables(raw: &mut Raw) -> Vec<(String, bool, bool)> {
    let cols: Vec<(String, String)> = match raw {
        Raw::Sqlite(c) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite%'",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap(),
        Raw::Pg(c) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap(),
    };
    let mut tables: std::collections::BTreeMap<String, (bool, bool)> = Default::default();
    for (t, c) in cols {
        let e = tables.entry(t.clone()).or_default();
        e.0 |= c == "tenant_id" || (t == "tenants" && c == "id");
        e.1 |= c == "connection_id" || (t == "connections" && c == "id");
    }
    tables
        .into_iter()
        .filter(|(_, (a, b))| *a || *b)
        .map(|(t, (a, b))| (t, a, b))
        .collect()
}

/// Rows of `table` that belong to the tenant (and connection, when given).
async fn rows_of(raw: &mut Raw, table: &str, tenant: Uuid, conn: Option<Uuid>) -> i64 {
    // The table name comes from the catalog; statements are fixed per table.
    macro_rules! count {
        ($sql:literal, $id:expr) => {
            raw_rows!(*raw, (i64,), $sql, $id)[0].0
        };
    }
    match (table, conn) {
        ("tenants", None) => count!("SELECT count(*) FROM tenants WHERE id = $1", tenant),
        ("tenants", Some(_)) => 0,
        ("connections", Some(c)) => count!("SELECT count(*) FROM connections WHERE id = $1", c),
        ("connection_credentials", Some(c)) => count!(
            "SELECT count(*) FROM connection_credentials WHERE connection_id = $1",
            c
        ),
        ("scans", Some(c)) => count!("SELECT count(*) FROM scans WHERE connection_id = $1", c),
        ("mutelist_entries", Some(c)) => count!(
            "SELECT count(*) FROM mutelist_entries WHERE connection_id = $1",
            c
        ),
        ("scan_schedules", Some(c)) => count!(
            "SELECT count(*) FROM scan_schedules WHERE connection_id = $1",
            c
        ),
        ("findings", Some(c)) => count!(
            "SELECT count(*) FROM findings WHERE scan_id IN (SELECT id FROM scans WHERE connection_id = $1)",
            c
        ),
        ("scores", Some(c)) => count!(
            "SELECT count(*) FROM scores WHERE scan_id IN (SELECT id FROM scans WHERE connection_id = $1)",
            c
        ),
        (
            "tenant_keys" | "users" | "audit_log" | "sessions" | "refresh_tokens" | "backup_codes",
            Some(_),
        ) => 0,
        ("backup_codes", None) => count!(
            "SELECT count(*) FROM backup_codes WHERE tenant_id = $1",
            tenant
        ),
        ("sessions", None) => count!("SELECT count(*) FROM sessions WHERE tenant_id = $1", tenant),
        ("refresh_tokens", None) => count!(
            "SELECT count(*) FROM refresh_tokens WHERE tenant_id = $1",
            tenant
        ),
        ("tenant_keys", None) => count!(
            "SELECT count(*) FROM tenant_keys WHERE tenant_id = $1",
            tenant
        ),
        ("users", None) => count!("SELECT count(*) FROM users WHERE tenant_id = $1", tenant),
        ("audit_log", None) => count!(
            "SELECT count(*) FROM audit_log WHERE tenant_id = $1",
            tenant
        ),
        ("connections", None) => count!(
            "SELECT count(*) FROM connections WHERE tenant_id = $1",
            tenant
        ),
        ("connection_credentials", None) => count!(
            "SELECT count(*) FROM connection_credentials WHERE tenant_id = $1",
            tenant
        ),
        ("scans", None) => count!("SELECT count(*) FROM scans WHERE tenant_id = $1", tenant),
        ("mutelist_entries", None) => count!(
            "SELECT count(*) FROM mutelist_entries WHERE tenant_id = $1",
            tenant
        ),
        ("scan_schedules", None) => count!(
            "SELECT count(*) FROM scan_schedules WHERE tenant_id = $1",
            tenant
        ),
        ("findings", None) => count!("SELECT count(*) FROM findings WHERE tenant_id = $1", tenant),
        ("scores", None) => count!("SELECT count(*) FROM scores WHERE tenant_id = $1", tenant),
        (other, _) => panic!(
            "table {other} references a tenant or connection but this test does not know it: add it here and to the purge"
        ),
    }
}

async fn deletion_revokes_at_once_and_purge_removes_every_row(env: Env) {
    let a = tenant(&env, "a").await;
    let keep = tenant(&env, "keep").await;
    let gone = connection(&env, &a, "gone").await;
    let stays = connection(&env, &a, "stays").await;
    let other = connection(&env, &keep, "prod").await;
    for c in [gone, stays] {
        record(&env, &a, c, &demo_result(), 0).await;
    }
    record(&env, &keep, other, &demo_result(), 0).await;
    let queued = env.store.queue_scan(&a, gone, t(5)).await.unwrap();
    for (scope, c) in [(&a, gone), (&a, stays), (&keep, other)] {
        env.store
            .set_schedule(
                scope,
                c,
                cloudarq_store::schedules::Cadence::every(3600).unwrap(),
                t(5),
            )
            .await
            .unwrap();
    }
    let ops = env
        .store
        .create_user(
            &a,
            "ops\x40a.test",
            Role::Admin,
            Some("$argon2id$v=19$..."),
            Some(&SecretString::from(SENTINEL_TOTP)),
            t(0),
        )
        .await
        .unwrap();
    // A signed-in session whose refresh token was rotated once.
    let limits = cloudarq_store::sessions::SessionLimits {
        absolute: time::Duration::days(1),
        idle: time::Duration::days(1),
    };
    let session = env
        .store
        .start_session(&a, ops, &[1; 32], false, limits, t(1))
        .await
        .unwrap();
    assert!(matches!(
        env.store
            .rotate_refresh(&a, &[1; 32], &[2; 32], limits, t(2))
            .await
            .unwrap(),
        cloudarq_store::sessions::Refresh::Rotated { .. }
    ));
    env.store
        .audit(
            &a,
            &cloudarq_store::audit_log::AuditEntry {
                actor: "admin".into(),
                action: "connection.delete".into(),
                target: gone.to_string(),
                source_ip: Some("127.0.0.1".into()),
                user_agent: None,
                outcome: "success".into(),
                at: t(99),
            },
        )
        .await
        .unwrap();
    let mut raw = raw(&env).await;
    let tables = tenant_tables(&mut raw).await;
    assert!(tables.len() >= 10, "{tables:?}");

    // Delete a connection at t0: revoked now.
    let t0 = t(100);
    // The longest purge delay the 30-day promise allows (backups kept a day).
    let policy = RetentionPolicy::new(29, 1, 1).unwrap();
    env.store
        .delete_connection(&a, gone, policy, t0)
        .await
        .unwrap();
    assert!(matches!(
        env.store.credentials(&a, gone).await,
        Err(StoreError::NotFound { .. })
    ));
    // Its schedule is gone at once: no tick queues a scan of it again.
    assert_eq!(
        rows_of(
            &mut raw,
            "scan_schedules",
            a.tenant().as_uuid(),
            Some(gone.0)
        )
        .await,
        0
    );
    assert_eq!(
        rows_of(
            &mut raw,
            "scan_schedules",
            a.tenant().as_uuid(),
            Some(stays.0)
        )
        .await,
        1
    );
    assert_eq!(
        rows_of(
            &mut raw,
            "connection_credentials",
            a.tenant().as_uuid(),
            Some(gone.0)
        )
        .await,
        0
    );
    assert!(
        env.store
            .connections(&a)
            .await
            .unwrap()
            .iter()
            .all(|c| c.id != gone)
    );
    assert!(env.store.scans(&a, Some(gone)).await.unwrap().is_empty());
    let status = raw_rows!(
        raw,
        (String,),
        "SELECT status FROM scans WHERE id = $1",
        queued.0
    );
    assert_eq!(status[0].0, "cancelled");
    assert!(matches!(
        env.store.queue_scan(&a, gone, t0).await,
        Err(StoreError::NotFound { .. })
    ));

    // Before 29 days nothing is purged; at 29 days every row is gone.
    let runner = env.runner();
    let early = env
        .store
        .purge(
            runner,
            t0 + time::Duration::days(29) - time::Duration::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(early.rows, 0);
    assert!(rows_of(&mut raw, "findings", a.tenant().as_uuid(), Some(gone.0)).await > 0);
    let rep = env
        .store
        .purge(runner, t0 + time::Duration::days(29))
        .await
        .unwrap();
    assert_eq!(rep.connections, 1);
    for (table, _, by_conn) in &tables {
        if *by_conn || table == "findings" || table == "scores" {
            assert_eq!(
                rows_of(&mut raw, table, a.tenant().as_uuid(), Some(gone.0)).await,
                0,
                "{table}"
            );
        }
    }
    assert_eq!(
        env.store.scans(&a, Some(stays)).await.unwrap().len(),
        1,
        "the other connection is untouched"
    );

    // Delete the tenant: everything revoked now, all rows and keys purged later.
    let t1 = t(200);
    env.store
        .delete_tenant(runner, a.tenant(), policy, t1)
        .await
        .unwrap();
    assert!(env.store.connections(&a).await.unwrap().is_empty());
    assert_eq!(
        rows_of(
            &mut raw,
            "connection_credentials",
            a.tenant().as_uuid(),
            None
        )
        .await,
        0
    );
    // Its users' sessions end at once: no access token or refresh works.
    assert!(
        !env.store
            .session_valid(&a, session, ops, 0, t1)
            .await
            .unwrap()
    );
    assert_eq!(
        env.store
            .rotate_refresh(&a, &[2; 32], &[3; 32], limits, t1)
            .await
            .unwrap(),
        cloudarq_store::sessions::Refresh::Invalid
    );
    assert!(rows_of(&mut raw, "sessions", a.tenant().as_uuid(), None).await > 0);
    let rep = env
        .store
        .purge(runner, t1 + time::Duration::days(30))
        .await
        .unwrap();
    assert_eq!((rep.tenants, rep.data_keys), (1, 1));
    for (table, by_tenant, _) in &tables {
        if *by_tenant {
            assert_eq!(
                rows_of(&mut raw, table, a.tenant().as_uuid(), None).await,
                0,
                "{table}"
            );
        }
    }
    // The other tenant is whole.
    assert_eq!(env.store.scans(&keep, None).await.unwrap().len(), 1);
    assert!(env.store.credentials(&keep, other).await.is_ok());
}
both!(deletion_revokes_at_once_and_purge_removes_every_row);

// ------------------------------------------------------------------- backups

async fn backup_restore_and_crypto_shredding(env: Env) {
    use cloudarq_store::backup::BackupPolicy;
    let path = env.dir.path().join("keyring.toml");
    let ring = cloudarq_store::Keyring::create_file(&path).unwrap();
    let url = env.another_db("source").await;
    let (store, runner) = cloudarq_store::Store::open(&url, ring).await.unwrap();
    let a = runner.scope(store.create_tenant(&runner, "a", t(0)).await.unwrap());
    let b = runner.scope(store.create_tenant(&runner, "b", t(0)).await.unwrap());
    let mut ids = Vec::new();
    for s in [&a, &b] {
        let c = store
            .create_connection(
                s,
                NewConnection {
                    name: "prod".into(),
                    account_id: Some("123456789012".parse().unwrap()),
                    role_arn: None,
                    external_id: Some(ext(SENTINEL_EXT)),
                    static_keys: None,
                },
                t(0),
            )
            .await
            .unwrap();
        let scan = store
            .record_scan(
                s,
                c,
                &demo_result(),
                cloudarq_store::scans::ScanTimes {
                    started_at: t(0),
                    finished_at: t(1),
                },
            )
            .await
            .unwrap();
        ids.push((c, scan));
    }
    let dir = env.dir.path().join("backups");
    let policy = BackupPolicy {
        keep: Some(2),
        retention: RetentionPolicy::default(),
    };
    let mut files = Vec::new();
    for day in 0..3 {
        files.push(
            store
                .backup(&runner, &dir, policy, t(86_400 * day))
                .await
                .unwrap(),
        );
    }
    // Retention: 2 data backups kept, the oldest removed.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("cloudarq-data-"))
            .count(),
        2,
        "{names:?}"
    );
    assert!(!files[0].data.exists() && files[2].data.exists());
    // The data backup holds no data key.
    let data_bytes = std::fs::read(&files[2].data).unwrap();
    let keys_json = std::fs::read_to_string(&files[2].keys).unwrap();
    let wrapped: serde_json::Value = serde_json::from_str(&keys_json).unwrap();
    for k in wrapped["keys"].as_array().unwrap() {
        let w = k["wrapped_key"].as_str().unwrap();
        let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, w).unwrap();
        assert!(
            !data_bytes.windows(raw.len()).any(|x| x == raw.as_slice()),
            "wrapped key in data backup"
        );
    }

    // Restore into a new database: same counts, data decrypts.
    let target = env.another_db("restored").await;
    let (restored, _restored_runner) = cloudarq_store::Store::restore(
        &target,
        &files[2].data,
        &files[2].keys,
        cloudarq_store::Keyring::load_file(&path).unwrap(),
    )
    .await
    .unwrap();
    for (s, (c, scan)) in [&a, &b].into_iter().zip(&ids) {
        assert_eq!(
            restored.load_result(s, *scan).await.unwrap(),
            store.load_result(s, *scan).await.unwrap()
        );
        assert_eq!(
            restored
                .credentials(s, *c)
                .await
                .unwrap()
                .external_id
                .unwrap()
                .expose_secret(),
            SENTINEL_EXT
        );
    }
    assert_eq!(
        restored.key_status(&runner).await.unwrap(),
        store.key_status(&runner).await.unwrap()
    );
    // Restoring over an existing database is refused; nothing is lost.
    let err = cloudarq_store::Store::restore(
        &target,
        &files[2].data,
        &files[2].keys,
        cloudarq_store::Keyring::load_file(&path).unwrap(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("restore"), "{err}");
    restored.close().await;

    // Tenant a is deleted and purged with the backup directory: the key
    // backups there lose a's keys at once and record a as purged.
    let a_kids: Vec<u32> = store
        .key_status(&runner)
        .await
        .unwrap()
        .data_keys
        .iter()
        .filter(|(_, k)| k.tenant == a.tenant())
        .map(|(id, _)| *id)
        .collect();
    assert!(!a_kids.is_empty());
    let zero = RetentionPolicy::new(0, 7, 7).unwrap();
    store
        .delete_tenant(&runner, a.tenant(), zero, t(86_400 * 3))
        .await
        .unwrap();
    let purged = store
        .purge_with_backups(&runner, &dir, policy, t(86_400 * 3))
        .await
        .unwrap();
    assert_eq!(purged.report.tenants, 1);
    assert_eq!(purged.rewritten.len(), 2, "{purged:?}");
    let rewritten = std::fs::read_to_string(&files[2].keys).unwrap();
    let json: serde_json::Value = serde_json::from_str(&rewritten).unwrap();
    let a_id = a.tenant().to_string();
    assert!(
        json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["tenant_id"] != a_id.as_str()),
        "{rewritten}"
    );
    assert_eq!(json["purged_tenants"][0], a_id.as_str());
    assert_eq!(
        cloudarq_store::files::mode_of(&files[2].keys).unwrap(),
        0o600
    );
    let after = store
        .backup(&runner, &dir, policy, t(86_400 * 4))
        .await
        .unwrap();
    // Old data with newer keys: a's ciphertexts have no key anywhere, and
    // the restore says which.
    let target2 = env.another_db("shredded").await;
    let err = cloudarq_store::Store::restore(
        &target2,
        &files[2].data,
        &after.keys,
        cloudarq_store::Keyring::load_file(&path).unwrap(),
    )
    .await
    .err()
    .unwrap();
    match &err {
        StoreError::MissingDataKeys { kids } => assert_eq!(kids, &a_kids),
        other => panic!("{other}"),
    }
    // Old data with its own (rewritten) keys: a is purged again, b reads.
    let target3 = env.another_db("repurged").await;
    let (old, _old_runner) = cloudarq_store::Store::restore(
        &target3,
        &files[2].data,
        &files[2].keys,
        cloudarq_store::Keyring::load_file(&path).unwrap(),
    )
    .await
    .unwrap();
    assert!(old.load_result(&a, ids[0].1).await.is_err());
    assert!(old.credentials(&a, ids[0].0).await.is_err());
    assert!(old.connections(&a).await.unwrap().is_empty());
    assert!(old.load_result(&b, ids[1].1).await.is_ok(), "b still reads");
}
both!(backup_restore_and_crypto_shredding);

// ------------------------------------------------------------- migrations

#[test]
fn migrations_stay_in_step() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |b: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(b))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    let (sqlite, pg) = (names("sqlite"), names("postgres"));
    assert_eq!(
        sqlite, pg,
        "every migration exists for both backends, same number and name"
    );
    for (i, n) in sqlite.iter().enumerate() {
        assert!(
            n.starts_with(&format!("{:04}_", i + 1)),
            "{n}: numbered 0001, 0002, … without gaps"
        );
    }
    // Same tables and columns in both, but for PostgreSQL's own machinery:
    // the tenant binding behind row-level security (no tenant data; SQLite
    // has no roles to bind).
    const POSTGRES_ONLY: &[&str] = &["tenant_binding"];
    let cols = |b: &str| {
        let mut out = std::collections::BTreeSet::new();
        for n in &sqlite {
            let text = std::fs::read_to_string(dir.join(b).join(n)).unwrap();
            let mut table = None;
            for line in text.lines() {
                let l = line.trim();
                if let Some(rest) = l
                    .strip_prefix("CREATE TABLE ")
                    .or_else(|| l.strip_prefix("CREATE UNLOGGED TABLE "))
                {
                    table = rest.split_whitespace().next().map(str::to_string);
                } else if let Some(rest) = l.strip_prefix("ALTER TABLE ")
                    && let [t, "ADD", "COLUMN", col, ..] =
                        rest.split_whitespace().collect::<Vec<_>>()[..]
                {
                    // A column added later (one per statement, as 0003 does).
                    out.insert(format!("{t}.{col}"));
                } else if l.starts_with(')') {
                    table = None;
                } else if let (Some(t), Some(col)) = (&table, l.split_whitespace().next())
                    && col.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    && !["primary", "unique"].contains(&col.to_lowercase().as_str())
                {
                    out.insert(format!("{t}.{col}"));
                }
            }
        }
        out
    };
    let pg_only = |c: &String| {
        POSTGRES_ONLY
            .iter()
            .any(|t| c.starts_with(&format!("{t}.")))
    };
    let postgres = cols("postgres");
    for added in [
        "scans.claimed_by",
        "scans.lease_expires_at_ms",
        "scans.attempts",
    ] {
        assert!(
            postgres.contains(added),
            "ALTER TABLE columns are read: {added}"
        );
    }
    assert!(
        POSTGRES_ONLY
            .iter()
            .all(|t| postgres.iter().any(|c| c.starts_with(&format!("{t}.")))),
        "every PostgreSQL-only table exists: {postgres:?}"
    );
    assert_eq!(
        cols("sqlite"),
        postgres.into_iter().filter(|c| !pg_only(c)).collect()
    );
}

/// Migration 0002 rebuilds or alters every table that references a
/// tenant's row; rows stored under 0001 survive it.
async fn migration_0002_keeps_rows_stored_before_it(env: Env) {
    let url = env.another_db("upgraded").await;
    let sqlite = url.starts_with("sqlite:");
    let first = tempfile::tempdir().unwrap();
    let folder = if sqlite { "sqlite" } else { "postgres" };
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder)
            .join("0001_initial.sql"),
        first.path().join("0001_initial.sql"),
    )
    .unwrap();
    let migrator = sqlx::migrate::Migrator::new(first.path()).await.unwrap();
    let mut raw = match sqlite {
        true => {
            use sqlx::ConnectOptions;
            use std::str::FromStr;
            let mut c = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                .unwrap()
                .create_if_missing(true)
                .foreign_keys(true)
                .connect()
                .await
                .unwrap();
            migrator.run(&mut c).await.unwrap();
            Raw::Sqlite(c)
        }
        false => {
            let Raw::Pg(mut c) = raw_for(&url).await else {
                unreachable!()
            };
            migrator.run(&mut c).await.unwrap();
            Raw::Pg(c)
        }
    };
    let (tenant, conn, scan) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    raw_exec!(
        raw,
        "INSERT INTO tenants (id, name, created_at_ms) VALUES ($1, 'old', 0)",
        tenant
    )
    .unwrap();
    raw_exec!(
        raw,
        "INSERT INTO connections (id, tenant_id, name, created_at_ms) VALUES ($1, $2, 'prod', 0)",
        conn,
        tenant
    )
    .unwrap();
    raw_exec!(raw, "INSERT INTO connection_credentials (connection_id, tenant_id, updated_at_ms) VALUES ($1, $2, 0)", conn, tenant).unwrap();
    raw_exec!(raw, "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms) VALUES ($1, $2, $3, 'succeeded', 0)", scan, tenant, conn).unwrap();
    raw_exec!(raw, "INSERT INTO findings (id, tenant_id, scan_id, rule_id, title, service, resource_type, resource_arn, status, severity, severity_rank, details) \
        VALUES ($1, $2, $3, 'r', 't', 's3', 'bucket', 'arn:aws:s3:::b', 'FAIL', 'high', 3, $4)", Uuid::now_v7(), tenant, scan, vec![1u8, 2, 3]).unwrap();
    raw_exec!(raw, "INSERT INTO scores (tenant_id, scan_id, framework, framework_title, position, section, passed, failed, manual) \
        VALUES ($1, $2, 'cis', 'CIS', 0, '1', 1, 1, 0)", tenant, scan).unwrap();
    raw_exec!(raw, "INSERT INTO mutelist_entries (id, tenant_id, connection_id, rule_id, resource_glob, reason, created_at_ms) \
        VALUES ($1, $2, $3, 'r', '*', 'accepted', 0)", Uuid::now_v7(), tenant, conn).unwrap();
    raw_exec!(raw, "INSERT INTO audit_log (id, tenant_id, actor, action, target, outcome, at_ms) VALUES ($1, $2, 'a', 'b', 'c', 'success', 0)", Uuid::now_v7(), tenant).unwrap();
    drop(raw);

    let (store, runner) =
        cloudarq_store::Store::open(&url, cloudarq_store::testing::memory_keyring())
            .await
            .unwrap();
    let mut raw = raw_for(&url).await;
    for (table, n) in [
        ("tenants", 1),
        ("connections", 1),
        ("connection_credentials", 1),
        ("scans", 1),
        ("findings", 1),
        ("scores", 1),
        ("mutelist_entries", 1),
        ("audit_log", 1),
    ] {
        assert_eq!(rows_of(&mut raw, table, tenant, None).await, n, "{table}");
    }
    let scope = runner.scope(tenant.to_string().parse().unwrap());
    assert_eq!(store.scans(&scope, None).await.unwrap().len(), 1);
    store.close().await;
}
both!(migration_0002_keeps_rows_stored_before_it);

// ------------------------------------------------------------------- mutelist

async fn mutelist_entries_per_connection_and_tenant(env: Env) {
    use cloudarq_store::mutelist::{Expiry, MuteEntry};
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let c1 = connection(&env, &a, "one").await;
    let c2 = connection(&env, &a, "two").await;
    let entry = |rule: &str| MuteEntry {
        rule: Some(rule.into()),
        resource: "arn:aws:s3:::logs-*".into(),
        reason: "accepted risk".into(),
        expires: Some(Expiry::at(cloudarq_model::Timestamp::new(t(86_400)))),
        region: None,
    };
    env.store
        .add_mute_entry(&a, None, &entry("s3_bucket_object_versioning"), t(0))
        .await
        .unwrap();
    let regional = MuteEntry {
        region: Some("eu-west-1".parse().unwrap()),
        expires: None,
        ..entry("s3_bucket_secure_transport_policy")
    };
    env.store
        .add_mute_entry(&a, Some(c1), &regional, t(1))
        .await
        .unwrap();
    let every_rule = MuteEntry {
        rule: None,
        ..entry("x")
    };
    env.store
        .add_mute_entry(&a, Some(c2), &every_rule, t(2))
        .await
        .unwrap();
    let one = env.store.mute_entries(&a, c1).await.unwrap();
    assert_eq!(
        one.iter()
            .map(|e| e.entry.rule.as_deref())
            .collect::<Vec<_>>(),
        [
            Some("s3_bucket_object_versioning"),
            Some("s3_bucket_secure_transport_policy")
        ]
    );
    // The entries read back as written: the one MuteEntry type.
    assert_eq!(one[0].entry, entry("s3_bucket_object_versioning"));
    assert_eq!(one[0].connection, None);
    assert_eq!(one[1].entry, regional);
    assert_eq!(one[1].connection, Some(c1));
    let two = env.store.mute_entries(&a, c2).await.unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(two[1].entry, every_rule, "`*` reads back as every rule");
    // The engine builds its mutelist from the rows as from a file.
    let rows: Vec<MuteEntry> = one.into_iter().map(|e| e.entry).collect();
    let m = cloudarq_core::engine::Mutelist::new("the store", rows).unwrap();
    cloudarq_core::engine::Engine::new(cloudarq_rules::all())
        .with_mutelist(m)
        .unwrap();
    assert!(
        env.store.mute_entries(&b, c1).await.unwrap().is_empty(),
        "another tenant sees none"
    );
    assert!(matches!(
        env.store
            .add_mute_entry(&b, Some(c1), &entry("x"), t(0))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    for (bad, field) in [
        (
            MuteEntry {
                reason: " ".into(),
                ..entry("x")
            },
            "mute reason",
        ),
        (
            MuteEntry {
                reason: "ok\u{1b}]8;;https://evil\u{7}".into(),
                ..entry("x")
            },
            "mute reason",
        ),
        (
            MuteEntry {
                resource: "a".repeat(4096),
                ..entry("x")
            },
            "mute resource glob",
        ),
    ] {
        let err = env
            .store
            .add_mute_entry(&a, None, &bad, t(0))
            .await
            .unwrap_err();
        assert!(err.to_string().contains(field), "{err}");
    }
    assert_eq!(
        env.store.mute_entries(&a, c1).await.unwrap().len(),
        2,
        "refused entries stored nothing"
    );
}
both!(mutelist_entries_per_connection_and_tenant);

/// A live tenant's name is unique (migration 0006); a deleted tenant's name
/// may be used again, and a refused creation stores nothing.
async fn live_tenant_names_are_unique(env: Env) {
    let runner = env.runner();
    let first = env.store.create_tenant(runner, "acme", t(0)).await.unwrap();
    let err = env
        .store
        .create_tenant(runner, "acme", t(1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
    assert_eq!(
        env.store.tenant_by_name(runner, "acme").await.unwrap(),
        Some(first)
    );
    assert_eq!(env.store.tenants(runner).await.unwrap().len(), 1);
    env.store
        .delete_tenant(runner, first, RetentionPolicy::default(), t(2))
        .await
        .unwrap();
    let again = env.store.create_tenant(runner, "acme", t(3)).await.unwrap();
    assert_ne!(again, first);
}
both!(live_tenant_names_are_unique);

// --------------------------------------------------------------- rate limits

/// GCRA across two stores on one database (two service instances): the
/// burst is shared, the refusal says how long to wait, time restores it, and
/// concurrent requests never overspend the last slot.
async fn rate_limits_are_shared_and_recover(env: Env) {
    use cloudarq_store::rate_limits::{Decision, Quota};
    let quota = Quota::new(3, time::Duration::seconds(10)).unwrap();
    let (other, other_runner) = cloudarq_store::Store::open(&env.url, env.reopen_keyring())
        .await
        .unwrap();
    let now = t(0);
    let key = "sign-in:ip:203.0.113.9";
    assert_eq!(
        env.store
            .rate_limit(&env.runner, key, quota, now)
            .await
            .unwrap(),
        Decision::Allowed
    );
    assert_eq!(
        other
            .rate_limit(&other_runner, key, quota, now)
            .await
            .unwrap(),
        Decision::Allowed
    );
    assert_eq!(
        env.store
            .rate_limit(&env.runner, key, quota, now)
            .await
            .unwrap(),
        Decision::Allowed
    );
    assert_eq!(
        other
            .rate_limit(&other_runner, key, quota, now)
            .await
            .unwrap(),
        Decision::Limited {
            retry_after: time::Duration::seconds(10)
        },
        "the fourth request, on the other instance"
    );
    // Another key is untouched.
    assert_eq!(
        env.store
            .rate_limit(&env.runner, "sign-in:ip:198.51.100.1", quota, now)
            .await
            .unwrap(),
        Decision::Allowed
    );
    // One interval later, one more is allowed, not a new burst.
    let later = now + time::Duration::seconds(10);
    assert_eq!(
        env.store
            .rate_limit(&env.runner, key, quota, later)
            .await
            .unwrap(),
        Decision::Allowed
    );
    assert!(matches!(
        env.store
            .rate_limit(&env.runner, key, quota, later)
            .await
            .unwrap(),
        Decision::Limited { .. }
    ));
    // Reset (a successful sign-in) clears it.
    env.store.rate_limit_reset(&env.runner, key).await.unwrap();
    assert_eq!(
        env.store
            .rate_limit(&env.runner, key, quota, later)
            .await
            .unwrap(),
        Decision::Allowed
    );
    // Twenty concurrent requests of a fresh key: exactly the burst passes.
    let fresh = "sign-in:account:race";
    let runs = (0..20).map(|i| {
        let (s, r) = if i % 2 == 0 {
            (&env.store, &env.runner)
        } else {
            (&other, &other_runner)
        };
        s.rate_limit(r, fresh, quota, now)
    });
    let results = futures::future::join_all(runs).await;
    let allowed = results
        .iter()
        .filter(|r| matches!(r, Ok(Decision::Allowed)))
        .count();
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(allowed, 3);
    // The key is stored hashed.
    let mut raw = raw(&env).await;
    let n = raw_rows!(
        raw,
        (i64,),
        "SELECT count(*) FROM rate_limits WHERE key = $1",
        fresh.as_bytes().to_vec()
    );
    assert_eq!(n[0].0, 0);
    assert!(Quota::new(0, time::Duration::seconds(1)).is_err());
}
both!(rate_limits_are_shared_and_recover);

// ------------------------------------------------------ audit log hash chain

/// Runs `sql` with the audit log's guards off, as someone past the
/// application's privileges would (PostgreSQL: the superuser disables the
/// triggers and drops the chain check for this statement; SQLite: the
/// triggers are dropped from this throwaway database).
async fn unguarded(
    raw: &mut Raw,
    sql: &'static str,
    tenant: Uuid,
    seq: i64,
    id: Option<Uuid>,
) -> u64 {
    match raw {
        Raw::Pg(c) => {
            for s in [
                "ALTER TABLE audit_log DISABLE TRIGGER USER",
                "ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_chained",
            ] {
                sqlx::query(s).execute(&mut *c).await.unwrap();
            }
            let mut q = sqlx::query(sql).bind(tenant).bind(seq);
            if let Some(id) = id {
                q = q.bind(id);
            }
            let n = q.execute(&mut *c).await.unwrap().rows_affected();
            sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER USER")
                .execute(&mut *c)
                .await
                .unwrap();
            n
        }
        Raw::Sqlite(c) => {
            for t in [
                "DROP TRIGGER IF EXISTS audit_log_no_update",
                "DROP TRIGGER IF EXISTS audit_log_no_delete",
                "DROP TRIGGER IF EXISTS audit_log_chained",
            ] {
                sqlx::query(t).execute(&mut *c).await.unwrap();
            }
            let mut q = sqlx::query(sql).bind(tenant).bind(seq);
            if let Some(id) = id {
                q = q.bind(id);
            }
            q.execute(&mut *c).await.unwrap().rows_affected()
        }
    }
}

async fn verified(env: &Env) -> Vec<cloudarq_store::audit_log::ChainReport> {
    let r = env.store.verify_audit_log(&env.runner).await.unwrap();
    assert_eq!(r.len(), 2, "{r:?}");
    r
}

async fn writer(store: &cloudarq_store::Store, scope: &cloudarq_store::TenantScope, who: &str) {
    for n in 0..10 {
        store.audit(scope, &entry(n, who)).await.unwrap();
    }
}

fn entry(n: i64, who: &str) -> cloudarq_store::audit_log::AuditEntry {
    cloudarq_store::audit_log::AuditEntry {
        actor: format!("user:{who}"),
        action: "scan.request".into(),
        target: format!("scan:{n}"),
        source_ip: Some("203.0.113.7".into()),
        user_agent: (n % 2 == 0).then(|| "curl/8.5 \u{1b}[31m".to_owned()),
        outcome: "success".into(),
        at: t(n),
    }
}

/// V5: two store instances appending at once build one gapless chain per
/// tenant; `verify_audit_log` passes it, and names the row where an edit,
/// a removal or an unchained insertion (made past the privileges and
/// triggers) breaks it, without blaming the other tenant.
async fn the_audit_chain_finds_edited_removed_and_inserted_rows(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let (other, _runner) = cloudarq_store::Store::open(&env.url, env.reopen_keyring())
        .await
        .unwrap();
    tokio::join!(writer(&env.store, &a, "one"), writer(&other, &a, "two"));
    for n in 0..3 {
        env.store.audit(&b, &entry(n, "b")).await.unwrap();
    }
    let log = env.store.audit_log(&a).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.seq.unwrap()).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<_>>()
    );
    for e in &log {
        let n: i64 = e.entry.target["scan:".len()..].parse().unwrap();
        assert_eq!(
            e.entry,
            entry(n, &e.entry.actor["user:".len()..]),
            "read back as written"
        );
    }
    let clean = verified(&env).await;
    for rep in &clean {
        assert_eq!(rep.broken, None, "{rep:?}");
        assert_eq!(rep.unchained, 0);
    }
    let rep_of = |r: &[cloudarq_store::audit_log::ChainReport], s: &cloudarq_store::TenantScope| {
        r.iter().find(|x| x.tenant == s.tenant()).unwrap().clone()
    };
    assert_eq!(rep_of(&clean, &a).chained, 20);
    assert_eq!(rep_of(&clean, &b).chained, 3);
    assert_eq!(rep_of(&clean, &a).head.unwrap().0, 20);

    let mut raw = raw(&env).await;
    let (ta, tb) = (a.tenant().as_uuid(), b.tenant().as_uuid());
    // An edit: found at its row, and only in its tenant.
    let outcome_was = log[4].entry.outcome.clone();
    assert_eq!(
        unguarded(
            &mut raw,
            "UPDATE audit_log SET outcome = 'denied' WHERE tenant_id = $1 AND seq = $2",
            ta,
            5,
            None
        )
        .await,
        1
    );
    let r = verified(&env).await;
    let broken = rep_of(&r, &a).broken.unwrap();
    assert_eq!(broken.0, 5, "{broken:?}");
    assert!(broken.1.contains("edited"), "{broken:?}");
    assert_eq!(rep_of(&r, &b).broken, None);
    // Put back exactly, it verifies again: the chain checks content, not history.
    assert_eq!(outcome_was, "success");
    unguarded(
        &mut raw,
        "UPDATE audit_log SET outcome = 'success' WHERE tenant_id = $1 AND seq = $2",
        ta,
        5,
        None,
    )
    .await;
    assert_eq!(rep_of(&verified(&env).await, &a).broken, None);
    // A removal in the middle.
    assert_eq!(
        unguarded(
            &mut raw,
            "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2",
            ta,
            7,
            None
        )
        .await,
        1
    );
    let broken = rep_of(&verified(&env).await, &a).broken.unwrap();
    assert_eq!(broken.0, 7, "{broken:?}");
    assert!(broken.1.contains("removed"), "{broken:?}");
    // A removal of the whole tail is not detectable by the chain alone: the
    // head verify printed before is what shows it.
    // An unchained row slipped into b after its chain began.
    unguarded(
        &mut raw,
        "INSERT INTO audit_log (id, tenant_id, actor, action, target, outcome, at_ms) \
         VALUES ($3, $1, 'user:forged', 'scan.request', 'scan:x', 'success', $2)",
        tb,
        (t(1000).unix_timestamp()) * 1000,
        Some(Uuid::now_v7()),
    )
    .await;
    let r = verified(&env).await;
    let broken = rep_of(&r, &b).broken.unwrap();
    assert!(broken.1.contains("written after"), "{broken:?}");
    assert_eq!(rep_of(&r, &b).unchained, 1);
}
both!(the_audit_chain_finds_edited_removed_and_inserted_rows);
