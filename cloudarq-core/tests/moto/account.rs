//! The Account Management collector against moto. moto keeps alternate
//! contacts but has no `GetContactInformation`: the proxy answers it as AWS
//! does. The contacts are global: one resource, whatever the regions.
//! Only which fields are filled reaches the snapshot, never a value.

use aws_sdk_account::types::AlternateContactType;
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::account::{
    AccountContacts, AlternateContactFields, PrimaryContactFields,
};
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const SECURITY_RULE: &str = "account_security_contact_information_is_registered";
const CONTACT_RULE: &str = "account_maintain_current_contact_details";

/// A complete primary contact.
const COMPLETE: &str = r#"{"ContactInformation":{"FullName":"Ana Example","AddressLine1":"1 Example Street","City":"Lisbon","PostalCode":"1000-001","CountryCode":"PT","PhoneNumber":"+351210000000","CompanyName":"Example Lda"}}"#;

/// A primary contact with a blank phone number and no company.
const NO_PHONE: &str = r#"{"ContactInformation":{"FullName":"Ana Example","AddressLine1":"1 Example Street","City":"Lisbon","PostalCode":"1000-001","CountryCode":"PT","PhoneNumber":" "}}"#;

fn contacts_arn() -> Arn {
    format!("arn:aws:account::{ACCOUNT}:account")
        .parse()
        .expect("test ARN")
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Account]).await
}

fn contacts(snap: &Snapshot) -> &AccountContacts {
    let res = snap
        .resources
        .get(&contacts_arn())
        .expect("account contacts collected");
    assert_eq!(res.region, None);
    assert_eq!(res.name, ACCOUNT);
    match &res.properties {
        Properties::AccountContacts(c) => c,
        other => panic!("{:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, rule: &str) -> Option<Status> {
    let arn = contacts_arn();
    rule_status(snap, rule, &arn)
}

const ALL_FILLED: AlternateContactFields = AlternateContactFields {
    name: true,
    title: true,
    email_address: true,
    phone_number: true,
};

async fn put(env: &Env, kind: AlternateContactType) {
    env.account()
        .await
        .put_alternate_contact()
        .alternate_contact_type(kind)
        .name("Sec Person")
        .title("CISO")
        .email_address("sec@example.com")
        .phone_number("+351210000001")
        .send()
        .await
        .expect("put alternate contact");
}

#[tokio::test]
async fn account_contacts_are_collected_both_ways_without_their_values() {
    let env = Env::start().await;
    env.proxy.fault(
        "account:GetContactInformation",
        Fault::Respond {
            status: 200,
            body: COMPLETE,
        },
    );
    put(&env, AlternateContactType::Security).await;
    put(&env, AlternateContactType::Operations).await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::AccountContacts).count(), 1);
    let c = contacts(&snap);
    assert_eq!(
        c.primary,
        Collected::Value(Some(PrimaryContactFields {
            full_name: true,
            address_line1: true,
            city: true,
            postal_code: true,
            country_code: true,
            phone_number: true,
            company_name: true,
        }))
    );
    assert_eq!(c.security, Collected::Value(Some(ALL_FILLED)));
    // No billing contact: ResourceNotFoundException, a real answer.
    assert_eq!(c.billing, Collected::Value(None));
    assert_eq!(c.operations, Collected::Value(Some(ALL_FILLED)));
    assert_eq!(status(&snap, SECURITY_RULE), Some(Status::Pass));
    assert_eq!(status(&snap, CONTACT_RULE), Some(Status::Pass));
    // No name, address, e-mail address or phone number is kept.
    let json = serde_json::to_string(&snap).expect("snapshot JSON");
    for secret in [
        "Ana",
        "Example Street",
        "Lisbon",
        "+351",
        "sec@example.com",
        "CISO",
    ] {
        assert!(!json.contains(secret), "{secret} leaked into the snapshot");
    }
    // The calls go once each, not per region.
    let seen = env.proxy.seen();
    let count = |op: &str| seen.iter().filter(|s| s.operation == op).count();
    assert_eq!(count("account:GetContactInformation"), 1);
    assert_eq!(count("account:GetAlternateContact"), 3);

    // The other way: no security contact, an incomplete primary contact.
    env.account()
        .await
        .delete_alternate_contact()
        .alternate_contact_type(AlternateContactType::Security)
        .send()
        .await
        .expect("delete security contact");
    put(&env, AlternateContactType::Billing).await;
    env.proxy.fault(
        "account:GetContactInformation",
        Fault::Respond {
            status: 200,
            body: NO_PHONE,
        },
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    let c = contacts(&snap);
    let Collected::Value(Some(primary)) = &c.primary else {
        panic!("primary {:?}", c.primary);
    };
    assert!(!primary.phone_number && !primary.company_name && primary.full_name);
    assert_eq!(c.security, Collected::Value(None));
    assert_eq!(c.billing, Collected::Value(Some(ALL_FILLED)));
    assert_eq!(status(&snap, SECURITY_RULE), Some(Status::Fail));
    assert_eq!(status(&snap, CONTACT_RULE), Some(Status::Fail));
}

/// Denied calls are gaps, every field not collected, and neither rule
/// passes or fails.
#[tokio::test]
async fn account_denied_contacts_are_gaps_never_a_fail() {
    let env = Env::start().await;
    put(&env, AlternateContactType::Security).await;
    for op in [
        "account:GetContactInformation",
        "account:GetAlternateContact",
    ] {
        env.proxy.fault(
            op,
            Fault::Error {
                code: "AccessDeniedException",
                status: 403,
            },
        );
    }
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 4, "{:#?}", snap.gaps);
    assert!(snap.gaps.iter().all(|g| g.service == Service::Account
        && g.kind == GapKind::AccessDenied
        && g.region.is_none()
        && g.resource.as_ref() == Some(&contacts_arn())));
    let c = contacts(&snap);
    assert_eq!(c.primary, Collected::NotCollected);
    assert_eq!(c.security, Collected::NotCollected);
    assert_eq!(c.billing, Collected::NotCollected);
    assert_eq!(c.operations, Collected::NotCollected);
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    for rule in [SECURITY_RULE, CONTACT_RULE] {
        assert!(!result.findings.iter().any(|f| f.rule_id == rule));
        assert_eq!(
            result
                .evaluation_gaps
                .iter()
                .filter(|g| g.rule_id == rule)
                .count(),
            1
        );
    }
}
