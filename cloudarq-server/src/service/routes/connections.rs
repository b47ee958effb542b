//! Connections: the AWS accounts a tenant audits (V8). An admin creates one
//! with its account id; the service generates the External ID, stores it
//! encrypted, and answers with what the customer deploys: the read-only role
//! template's parameters and, when the operator publishes the template, a
//! CloudFormation quick-create link. Deleting a connection removes its
//! credentials at once and its data within the retention policy's delay.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use cloudarq_core::organization::{MAX_FILTER_IDS, MemberFilter};
use cloudarq_model::{AccountId, ExternalId, RoleArn};
use cloudarq_store::connections::{ConnectionId, NewConnection};
use cloudarq_store::organizations::OrganizationSettings;
use cloudarq_store::retention::RetentionPolicy;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::config::ConnectionSetup;
use crate::service::error::{ApiError, ApiJson, ApiPath, Problem};

/// The read-only role template, as shipped in `cloudformation/`.
pub const ROLE_TEMPLATE: &str =
    include_str!("../../../../cloudformation/cloudarq-readonly-role.yaml");

/// A connection (no secrets).
#[derive(Serialize, ToSchema)]
pub struct Connection {
    /// Its id.
    pub id: Uuid,
    /// Its name, unique in the tenant.
    pub name: String,
    /// The AWS account audited.
    pub account_id: Option<String>,
    /// The role the scans assume (an organization's: the management or
    /// delegated administrator account's).
    pub role_arn: Option<String>,
    /// `account`, or `organization`: each scan lists the organization and
    /// scans its members.
    #[schema(pattern = "^(account|organization)$")]
    pub kind: &'static str,
    /// An organization connection's member role and filter.
    pub organization: Option<OrganizationBody>,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl From<cloudarq_store::connections::Connection> for Connection {
    fn from(c: cloudarq_store::connections::Connection) -> Self {
        let ids = |set: &std::collections::BTreeSet<AccountId>| {
            set.iter().map(|a| a.as_str().to_owned()).collect()
        };
        Self {
            id: c.id.0,
            name: c.name,
            account_id: c.account_id.map(|a| a.as_str().to_owned()),
            role_arn: c.role_arn.map(|r| r.as_str().to_owned()),
            kind: if c.organization.is_some() {
                "organization"
            } else {
                "account"
            },
            organization: c.organization.map(|o| OrganizationBody {
                member_role_name: Some(o.member_role_name),
                include_accounts: ids(&o.filter.include_accounts),
                include_ous: o.filter.include_ous.into_iter().collect(),
                exclude_accounts: ids(&o.filter.exclude_accounts),
                exclude_ous: o.filter.exclude_ous.into_iter().collect(),
            }),
            created_at: super::rfc3339(c.created_at),
        }
    }
}

/// An organization connection's settings: the member role's name and which
/// member accounts are scanned. Empty include lists include every active
/// member; an exclusion wins over an inclusion; an OU covers every account
/// below it.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationBody {
    /// The member role's name, the same in every member (the StackSet's
    /// `RoleName`; default: the connection's `role_name`).
    #[schema(pattern = "^[A-Za-z0-9+=,.@_-]{1,64}$")]
    pub member_role_name: Option<String>,
    /// Scan only these accounts (and those below `include_ous`).
    #[serde(default)]
    #[schema(schema_with = account_list)]
    pub include_accounts: Vec<String>,
    /// Scan only the accounts below these OUs or roots.
    #[serde(default)]
    #[schema(schema_with = ou_list)]
    pub include_ous: Vec<String>,
    /// Never scan these accounts.
    #[serde(default)]
    #[schema(schema_with = account_list)]
    pub exclude_accounts: Vec<String>,
    /// Never scan the accounts below these OUs.
    #[serde(default)]
    #[schema(schema_with = ou_list)]
    pub exclude_ous: Vec<String>,
}

/// A list of at most [`MAX_FILTER_IDS`] strings matching `pattern`.
fn id_list(pattern: &str) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .pattern(Some(pattern)),
        )
        .max_items(Some(MAX_FILTER_IDS))
        .build()
}

/// The schema of an account id list.
fn account_list() -> utoipa::openapi::schema::Array {
    id_list("^[0-9]{12}$")
}

/// The schema of an OU or root id list.
fn ou_list() -> utoipa::openapi::schema::Array {
    id_list("^(ou|r)-[0-9a-z-]{1,65}$")
}

impl OrganizationBody {
    /// The store's settings, or a 400 naming the list and the value.
    fn settings(self, default_role: &str) -> Result<OrganizationSettings, ApiError> {
        let accounts = |list: &str, ids: Vec<String>| {
            ids.into_iter()
                .map(|a| {
                    a.trim().parse::<AccountId>().map_err(|_| {
                        ApiError::BadRequest(format!(
                            "organization.{list}: {:?} is not a 12-digit AWS account id",
                            cloudarq_model::text::Inert(&a)
                        ))
                    })
                })
                .collect::<Result<_, _>>()
        };
        let settings = OrganizationSettings {
            member_role_name: self
                .member_role_name
                .unwrap_or_else(|| default_role.to_owned()),
            filter: MemberFilter {
                include_accounts: accounts("include_accounts", self.include_accounts)?,
                include_ous: self.include_ous.into_iter().collect(),
                exclude_accounts: accounts("exclude_accounts", self.exclude_accounts)?,
                exclude_ous: self.exclude_ous.into_iter().collect(),
            },
        };
        settings
            .check()
            .map_err(|e| ApiError::BadRequest(format!("organization: {e}")))?;
        Ok(settings)
    }
}

/// A new connection.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConnectionBody {
    /// A name for it, unique in the tenant: 1 to 200 characters (leading
    /// and trailing spaces trimmed), no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]([^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000])?$"
    )]
    pub name: String,
    /// The 12-digit AWS account id.
    #[schema(pattern = "^[0-9]{12}$")]
    pub account_id: String,
    /// The role name the customer creates (default: the service's,
    /// `CloudArqAudit` unless configured).
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9+=,.@_-]{1,64}$"
    )]
    pub role_name: Option<String>,
    /// Makes this an organization connection: `account_id` is then the
    /// management or delegated administrator account, and each scan scans
    /// the members this selects.
    pub organization: Option<OrganizationBody>,
}

/// What the customer deploys in the account: the template's parameters and
/// where to find the template.
#[derive(Serialize, ToSchema)]
pub struct Setup {
    /// The External ID generated for this connection (`ExternalId`).
    pub external_id: String,
    /// Who may assume the role (`CloudArqPrincipalArn`).
    pub principal_arn: String,
    /// The role's name (`RoleName`).
    pub role_name: String,
    /// The role's ARN once created.
    pub role_arn: String,
    /// This service's copy of the template (for an organization, the
    /// management account's stack with the StackSet for the members; its
    /// `OrganizationalUnitIds` parameter names where the member role goes).
    pub template_path: &'static str,
    /// The operator's published template, when configured.
    pub template_url: Option<String>,
    /// A CloudFormation console link that opens the stack with every
    /// parameter filled in (only with `template_url`).
    pub quick_create_url: Option<String>,
}

/// A connection just created, with its setup.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// The connection.
    pub connection: Connection,
    /// What to deploy.
    pub setup: Setup,
}

const TEMPLATE_PATH: &str = "/api/v1/connections/template.yaml";
const ORGANIZATION_TEMPLATE_PATH: &str = "/api/v1/connections/organization-template.yaml";

/// A fresh External ID: 160 random bits as 40 hex digits, prefixed so it is
/// recognisable in the customer's trust policy.
fn new_external_id() -> Result<ExternalId, ApiError> {
    let mut raw = [0u8; 20];
    getrandom::fill(&mut raw).map_err(|e| ApiError::Internal(format!("random: {e}")))?;
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    ExternalId::new(format!("cloudarq-{hex}")).map_err(|e| ApiError::Internal(e.to_string()))
}

fn setup(
    config: &ConnectionSetup,
    principal_arn: &str,
    external_id: &ExternalId,
    role_arn: &RoleArn,
    name: &str,
    organization: bool,
) -> Setup {
    let role_name = role_arn
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or(&config.role_name)
        .to_owned();
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    // The operator publishes the account template: no link for the
    // organization's, which the customer uploads from `template_path`.
    let published = config.template_url.as_ref().filter(|_| !organization);
    let quick_create_url = published.map(|url| {
        // CloudFormation stack names: letters, digits and hyphens, a letter first.
        let stack: String = std::iter::once('C')
            .chain(
                format!("loudArq-{name}")
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }),
            )
            .take(128)
            .collect();
        format!(
            "https://console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/quickcreate?templateURL={}&stackName={}&param_CloudArqPrincipalArn={}&param_ExternalId={}&param_RoleName={}",
            enc(url),
            enc(&stack),
            enc(principal_arn),
            enc(external_id.expose_secret()),
            enc(&role_name),
        )
    });
    Setup {
        external_id: external_id.expose_secret().to_owned(),
        principal_arn: principal_arn.to_owned(),
        role_name,
        role_arn: role_arn.as_str().to_owned(),
        template_path: if organization {
            ORGANIZATION_TEMPLATE_PATH
        } else {
            TEMPLATE_PATH
        },
        template_url: published.cloned(),
        quick_create_url,
    }
}

fn principal(state: &AppState) -> Result<&str, ApiError> {
    state
        .connection_setup()
        .principal_arn
        .as_deref()
        .ok_or_else(|| {
            ApiError::Conflict(
                "the service has no [connections] principal_arn: an operator must set who assumes customer roles".into(),
            )
        })
}

/// The tenant's connections, oldest first.
#[utoipa::path(get, path = "/api/v1/connections", tag = "connections",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Connections", body = Vec<Connection>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    id: Identity,
) -> Result<Json<Vec<Connection>>, ApiError> {
    let all = state.store().connections(&id.scope).await?;
    Ok(Json(all.into_iter().map(Connection::from).collect()))
}

/// Creates a connection and its External ID (admin).
#[utoipa::path(post, path = "/api/v1/connections", tag = "connections",
    security(("bearer" = [])),
    request_body = NewConnectionBody,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Created),
        (status = 400, description = "A field is invalid (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken in this tenant, or the service has no principal configured", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a new connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    id: Identity,
    ApiJson(body): ApiJson<NewConnectionBody>,
) -> Result<(StatusCode, HeaderMap, Json<Created>), ApiError> {
    let principal_arn = principal(&state)?.to_owned();
    let config = state.connection_setup();
    let account: AccountId = body.account_id.trim().parse().map_err(|_| {
        ApiError::BadRequest(format!(
            "account_id: {:?} is not a 12-digit AWS account id",
            body.account_id
        ))
    })?;
    let role_name = body.role_name.unwrap_or_else(|| config.role_name.clone());
    if !cloudarq_model::credentials::is_role_name(&role_name) {
        return Err(ApiError::BadRequest(format!(
            "role_name: {role_name:?} is not an IAM role name (1-64 of A-Za-z0-9+=,.@_-)"
        )));
    }
    // The role lives in the principal's partition (aws, aws-cn, aws-us-gov).
    let partition = principal_arn.split(':').nth(1).unwrap_or("aws");
    let role_arn: RoleArn = format!("arn:{partition}:iam::{}:role/{role_name}", account.as_str())
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("role_name: {e}")))?;
    let name = body.name.trim().to_owned();
    if name.chars().any(char::is_control) || !(1..=200).contains(&name.chars().count()) {
        return Err(ApiError::BadRequest(format!(
            "name: {:?} must be 1 to 200 characters without control characters",
            body.name
        )));
    }
    let organization = body
        .organization
        .map(|o| o.settings(&role_name))
        .transpose()?;
    let external_id = new_external_id()?;
    let new = NewConnection {
        name: name.clone(),
        account_id: Some(account),
        role_arn: Some(role_arn.clone()),
        external_id: Some(external_id.clone()),
        static_keys: None,
    };
    let now = time::OffsetDateTime::now_utc();
    let conn = match &organization {
        Some(o) => {
            state
                .store()
                .create_organization_connection(&id.scope, new, o, now)
                .await?
        }
        None => state.store().create_connection(&id.scope, new, now).await?,
    };
    id.audit(
        state.store(),
        "connection.create",
        &format!("connection:{conn}"),
        "success",
    )
    .await?;
    let created = find(&state, &id, conn).await?;
    let setup = setup(
        config,
        &principal_arn,
        &external_id,
        &role_arn,
        &name,
        organization.is_some(),
    );
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/connections/{conn}")) {
        headers.insert(header::LOCATION, v);
    }
    Ok((
        StatusCode::CREATED,
        headers,
        Json(Created {
            connection: created,
            setup,
        }),
    ))
}

/// A live connection of the caller's tenant (404 for another tenant's or a
/// made-up id).
pub(crate) async fn listed(
    state: &AppState,
    id: &Identity,
    conn: ConnectionId,
) -> Result<cloudarq_store::connections::Connection, ApiError> {
    state
        .store()
        .connections(&id.scope)
        .await?
        .into_iter()
        .find(|c| c.id == conn)
        .ok_or(ApiError::NotFound)
}

async fn find(state: &AppState, id: &Identity, conn: ConnectionId) -> Result<Connection, ApiError> {
    listed(state, id, conn).await.map(Connection::from)
}

/// One connection.
#[utoipa::path(get, path = "/api/v1/connections/{connection_id}", tag = "connections",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    responses(
        (status = 200, description = "The connection", body = Connection),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<Json<Connection>, ApiError> {
    Ok(Json(find(&state, &id, ConnectionId(connection_id)).await?))
}

/// What to deploy for a connection, its External ID included (admin;
/// audited).
#[utoipa::path(get, path = "/api/v1/connections/{connection_id}/setup", tag = "connections",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    responses(
        (status = 200, description = "The template's parameters and links", body = Setup),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No principal configured, or the connection has no External ID", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_setup(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<Json<Setup>, ApiError> {
    let conn = ConnectionId(connection_id);
    let listed = listed(&state, &id, conn).await?;
    let principal_arn = principal(&state)?.to_owned();
    let creds = state.store().credentials(&id.scope, conn).await?;
    let (Some(external_id), Some(role_arn)) = (creds.external_id, listed.role_arn) else {
        return Err(ApiError::Conflict(
            "this connection was not created with a generated External ID and role".into(),
        ));
    };
    id.audit(
        state.store(),
        "connection.setup.read",
        &format!("connection:{conn}"),
        "success",
    )
    .await?;
    Ok(Json(setup(
        state.connection_setup(),
        &principal_arn,
        &external_id,
        &role_arn,
        &listed.name,
        listed.organization.is_some(),
    )))
}

/// Deletes a connection (admin): its credentials at once, its scans,
/// findings and scores within the retention delay.
#[utoipa::path(delete, path = "/api/v1/connections/{connection_id}", tag = "connections",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let conn = ConnectionId(connection_id);
    state
        .store()
        .delete_connection(
            &id.scope,
            conn,
            RetentionPolicy::default(),
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    id.audit(
        state.store(),
        "connection.delete",
        &format!("connection:{conn}"),
        "success",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The read-only role's CloudFormation template (admin).
#[utoipa::path(get, path = "/api/v1/connections/template.yaml", tag = "connections",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The template (YAML)", body = serde_json::Value, content_type = "application/yaml"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn template(_id: Identity) -> ([(header::HeaderName, &'static str); 2], &'static str) {
    (
        [
            (header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cloudarq-readonly-role.yaml\"",
            ),
        ],
        ROLE_TEMPLATE,
    )
}

/// The CloudFormation template of an organization connection's management
/// account (admin): its read-only role with the `organizations:` reads, and
/// the StackSet that deploys the member role in every account of the OUs
/// given, now and as accounts join.
#[utoipa::path(get, path = "/api/v1/connections/organization-template.yaml", tag = "connections",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The template (YAML)", body = serde_json::Value, content_type = "application/yaml"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn organization_template(
    _id: Identity,
) -> ([(header::HeaderName, &'static str); 2], String) {
    (
        [
            (header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cloudarq-organization.yaml\"",
            ),
        ],
        cloudarq_core::organization::template::management(),
    )
}

/// The outcome of a connection test.
#[derive(Serialize, ToSchema)]
pub struct TestResult {
    /// Whether the service assumed the role with the External ID and the
    /// role is in the connection's account.
    pub ok: bool,
    /// The account the assumed role acts in, when it was assumed.
    pub account_id: Option<String>,
    /// Why it failed (AWS's error code and message, escaped).
    pub detail: Option<String>,
    /// When it was checked (RFC 3339).
    pub checked_at: String,
}

/// How long a connection test may take.
const TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Tests a connection (admin; audited; limited per connection): assumes its
/// role with its External ID from the service's principal and asks STS
/// which account that is. The temporary credentials are dropped at once.
#[utoipa::path(post, path = "/api/v1/connections/{connection_id}/test", tag = "connections",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    responses(
        (status = 200, description = "Tested: `ok` says whether it works, `detail` why not", body = TestResult),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The connection has no role to assume", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Tested too often (Retry-After)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn test(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<Json<TestResult>, ApiError> {
    let conn = ConnectionId(connection_id);
    let listed = listed(&state, &id, conn).await?;
    state
        .authority()
        .limit(
            state.store(),
            &format!("connection-test:{connection_id}"),
            state.rate_limits().connection_test_per_connection,
        )
        .await?;
    let Some(role_arn) = listed.role_arn.clone() else {
        return Err(ApiError::Conflict(
            "this connection has no role to assume".into(),
        ));
    };
    let creds = state.store().credentials(&id.scope, conn).await?;
    let source =
        cloudarq_core::CredentialSource::assume_role(role_arn, creds.external_id, state.aws_base());
    let mut builder = cloudarq_core::Auditor::builder(source)
        .max_attempts(2)
        .session_suffix(format!("test-{}", &connection_id.simple().to_string()[..8]));
    if let Some(url) = &state.connection_setup().aws_endpoint_url {
        builder = builder.endpoint_url(url.clone());
    }
    let outcome = match builder.build() {
        Err(e) => Err(e.to_string()),
        Ok(auditor) => match tokio::time::timeout(TEST_TIMEOUT, auditor.verify()).await {
            Err(_) => Err(format!(
                "no answer from STS within {} s",
                TEST_TIMEOUT.as_secs()
            )),
            Ok(Err(e)) => Err(e.to_string()),
            Ok(Ok(account)) => Ok(account),
        },
    };
    let (ok, account_id, detail) = match outcome {
        Ok(account) if listed.account_id.as_ref().is_none_or(|a| *a == account) => {
            (true, Some(account.as_str().to_owned()), None)
        }
        Ok(account) => (
            false,
            Some(account.as_str().to_owned()),
            Some(format!(
                "the role acts in account {account}, not the connection's {}",
                listed
                    .account_id
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_default()
            )),
        ),
        Err(e) => (
            false,
            None,
            Some(cloudarq_model::text::Inert(&e).to_string()),
        ),
    };
    id.audit(
        state.store(),
        "connection.test",
        &format!("connection:{conn}"),
        if ok { "success" } else { "error" },
    )
    .await?;
    Ok(Json(TestResult {
        ok,
        account_id,
        detail,
        checked_at: super::rfc3339(time::OffsetDateTime::now_utc()),
    }))
}
