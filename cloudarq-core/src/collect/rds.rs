//! RDS collector: DB instances, DB clusters, and DB and cluster snapshots of
//! one region, with who may restore each snapshot that can be shared; the
//! instances' and clusters' companions (`*Configuration`), the parameter
//! groups they use (TLS parameters only), and the region's settings (event
//! subscriptions, CA certificates, the status of each engine version in
//! use).
//!
//! Calls per region: one `DescribeDBInstances`, `DescribeDBClusters`,
//! `DescribeDBSnapshots`, `DescribeDBClusterSnapshots`,
//! `DescribeEventSubscriptions` and `DescribeCertificates` per page of 100
//! (the six lists run at once), plus one `Describe*SnapshotAttributes` per
//! snapshot that is not automated. Automated snapshots cannot be shared, so
//! they cost no extra call. Then, only for what the region's instances and
//! clusters use: one `DescribeDBParameters` per DB parameter group and one
//! `DescribeDBClusterParameters` per DB cluster parameter group, each
//! filtered to the two TLS parameters (one page), and one
//! `DescribeDBEngineVersions` per engine and version instances run. A
//! region without instances or clusters costs none of these.

use std::future::Future;

use std::collections::BTreeSet;

use aws_sdk_rds::Client;
use aws_sdk_rds::types::{DbCluster as SdkCluster, DbInstance as SdkInstance};
use aws_sdk_rds::types::{DbClusterSnapshot as SdkClusterSnapshot, DbSnapshot as SdkSnapshot};
use aws_sdk_rds::types::{Filter, Parameter};
use cloudarq_model::inventory::rds::{
    CaCertificate, DbCluster, DbClusterConfiguration, DbInstance, DbInstanceConfiguration,
    DbParameter, DbParameterGroup, DbSnapshot, EngineVersionStatus, EventSubscription,
    ParameterGroupMembership, RdsRegionSettings,
};
use cloudarq_model::{Arn, Collected, Properties, Region, Resource, Tags};
use futures::StreamExt;

use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util::{tags, ts_opt};

/// The most records the RDS list calls return per page.
const PAGE_SIZE: i32 = 100;

/// The snapshot attribute that lists who may restore a snapshot.
const RESTORE_ATTRIBUTE: &str = "restore";

/// The `restore` value that makes a snapshot public.
const PUBLIC_VALUE: &str = "all";

/// Collects RDS instances, clusters and snapshots of one region.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.rds(region);
    let (mut out, clusters, snapshots, cluster_snapshots, subscriptions, certificates) = futures::join!(
        db_instances(ctx, &client, region),
        db_clusters(ctx, &client, region),
        Box::pin(db_snapshots(ctx, &client, region)),
        Box::pin(db_cluster_snapshots(ctx, &client, region)),
        Box::pin(event_subscriptions(ctx, &client, region)),
        Box::pin(certificates(ctx, &client, region)),
    );
    out.extend(clusters);
    let in_use = InUse::of(&out);
    let settings_arn = ctx.arn("rds", Some(region), "account");
    let (groups, cluster_groups, engine_versions) = futures::join!(
        Box::pin(parameter_groups(
            ctx,
            &client,
            region,
            &in_use.groups,
            GroupKind::Instance
        )),
        Box::pin(parameter_groups(
            ctx,
            &client,
            region,
            &in_use.cluster_groups,
            GroupKind::Cluster
        )),
        Box::pin(engine_versions(
            ctx,
            &client,
            region,
            settings_arn.as_ref(),
            &in_use.versions
        )),
    );
    out.extend(snapshots);
    out.extend(cluster_snapshots);
    out.extend(groups);
    out.extend(cluster_groups);
    if let Some(arn) = settings_arn {
        out.push(Resource {
            arn,
            region: Some(region.clone()),
            name: ctx.account_id().as_str().to_owned(),
            tags: Tags::new(),
            properties: Properties::RdsRegionSettings(Box::new(RdsRegionSettings {
                event_subscriptions: subscriptions,
                certificates,
                engine_versions,
            })),
        });
    }
    out
}

/// What the region's instances and clusters use, each once: parameter
/// groups and engine versions.
#[derive(Default)]
struct InUse {
    groups: BTreeSet<String>,
    cluster_groups: BTreeSet<String>,
    versions: BTreeSet<(String, String)>,
}

impl InUse {
    fn of(resources: &[Resource]) -> Self {
        let mut used = Self::default();
        for r in resources {
            match &r.properties {
                Properties::RdsDbInstanceConfiguration(c) => {
                    used.groups
                        .extend(c.parameter_groups.iter().map(|g| g.name.clone()));
                }
                Properties::RdsDbClusterConfiguration(c) => {
                    used.cluster_groups.extend(c.parameter_group.clone());
                }
                Properties::RdsDbInstance(i) => {
                    if let (Some(e), Some(v)) = (&i.engine, &i.engine_version) {
                        used.versions.insert((e.clone(), v.clone()));
                    }
                }
                _ => {}
            }
        }
        used
    }
}

/// The two parameters that make an engine refuse unencrypted connections.
const TLS_PARAMETERS: [&str; 2] = ["rds.force_ssl", "require_secure_transport"];

/// Which kind of parameter group.
#[derive(Clone, Copy)]
enum GroupKind {
    Instance,
    Cluster,
}

/// One resource per parameter group in use, with its TLS parameters: one
/// call each, filtered by parameter name (so one page), concurrently.
async fn parameter_groups(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    names: &BTreeSet<String>,
    kind: GroupKind,
) -> Vec<Resource> {
    let filter = Filter::builder()
        .name("parameter-name")
        .set_values(Some(
            TLS_PARAMETERS.iter().map(|p| (*p).to_owned()).collect(),
        ))
        .build();
    futures::stream::iter(names.iter().cloned())
        .map(|name| {
            let filter = filter.clone();
            async move {
                let (prefix, action) = match kind {
                    GroupKind::Instance => ("pg", Action::RdsDescribeDbParameters),
                    GroupKind::Cluster => ("cluster-pg", Action::RdsDescribeDbClusterParameters),
                };
                let arn = ctx.arn("rds", Some(region), &[prefix, ":", &name].concat())?;
                // Filtered to two names, the answer is one page; the gap
                // names the group.
                let params = match kind {
                    GroupKind::Instance => ctx
                        .read(
                            action,
                            Some(region),
                            Some(&arn),
                            client
                                .describe_db_parameters()
                                .db_parameter_group_name(&name)
                                .filters(filter)
                                .send(),
                        )
                        .await
                        .map(|out| tls_parameters(out.parameters().iter())),
                    GroupKind::Cluster => ctx
                        .read(
                            action,
                            Some(region),
                            Some(&arn),
                            client
                                .describe_db_cluster_parameters()
                                .db_cluster_parameter_group_name(&name)
                                .filters(filter)
                                .send(),
                        )
                        .await
                        .map(|out| tls_parameters(out.parameters().iter())),
                };
                let group = Box::new(DbParameterGroup {
                    name: name.clone(),
                    tls_parameters: params,
                });
                Some(Resource {
                    arn,
                    region: Some(region.clone()),
                    name,
                    tags: Tags::new(),
                    properties: match kind {
                        GroupKind::Instance => Properties::RdsDbParameterGroup(group),
                        GroupKind::Cluster => Properties::RdsDbClusterParameterGroup(group),
                    },
                })
            }
        })
        .buffer_unordered(ctx.concurrency())
        .filter_map(|r| async move { r })
        .collect()
        .await
}

/// The TLS parameters among `params` (emulators ignore the name filter),
/// sorted by name.
fn tls_parameters<'a>(params: impl Iterator<Item = &'a Parameter>) -> Vec<DbParameter> {
    let mut out: Vec<DbParameter> = params
        .filter_map(|p| {
            let name = p.parameter_name()?;
            TLS_PARAMETERS.contains(&name).then(|| DbParameter {
                name: name.to_owned(),
                value: p.parameter_value().map(str::to_owned),
                source: p.source().map(str::to_owned),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    out
}

/// The region's event subscriptions; not collected when any page failed
/// (the listing's gap is recorded by `paginate`).
async fn event_subscriptions(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
) -> Collected<Vec<EventSubscription>> {
    let stream = client
        .describe_event_subscriptions()
        .max_records(PAGE_SIZE)
        .into_paginator()
        .send();
    let paged = ctx
        .paginate(Action::RdsDescribeEventSubscriptions, Some(region), stream)
        .await;
    paged.complete(|p| {
        p.event_subscriptions_list()
            .iter()
            .filter_map(|e| {
                Some(EventSubscription {
                    name: e.cust_subscription_id()?.to_owned(),
                    source_type: e.source_type().filter(|t| !t.is_empty()).map(str::to_owned),
                    event_categories: e.event_categories_list().to_vec(),
                    source_ids: e.source_ids_list().to_vec(),
                    enabled: e.enabled().unwrap_or(false),
                    status: e.status().map(str::to_owned),
                    sns_topic_arn: e.sns_topic_arn().map(str::to_owned),
                })
            })
            .collect()
    })
}

/// The CA certificates RDS offers in the region; not collected when any
/// page failed.
async fn certificates(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
) -> Collected<Vec<CaCertificate>> {
    let stream = client
        .describe_certificates()
        .max_records(PAGE_SIZE)
        .into_paginator()
        .send();
    let paged = ctx
        .paginate(Action::RdsDescribeCertificates, Some(region), stream)
        .await;
    paged.complete(|p| {
        p.certificates()
            .iter()
            .filter_map(|c| {
                Some(CaCertificate {
                    identifier: c.certificate_identifier()?.to_owned(),
                    valid_from: ts_opt(c.valid_from()),
                    valid_till: ts_opt(c.valid_till()),
                })
            })
            .collect()
    })
}

/// Whether RDS still offers each engine version in use: one
/// `DescribeDBEngineVersions` per version (engine and version given,
/// deprecated versions included), so one small page each.
async fn engine_versions(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    settings: Option<&Arn>,
    versions: &BTreeSet<(String, String)>,
) -> Vec<EngineVersionStatus> {
    let action = Action::RdsDescribeDbEngineVersions;
    let mut out: Vec<EngineVersionStatus> = futures::stream::iter(versions.iter().cloned())
        .map(|(engine, version)| async move {
            let res = ctx
                .call(
                    action,
                    Some(region),
                    client
                        .describe_db_engine_versions()
                        .engine(&engine)
                        .engine_version(&version)
                        .include_all(true)
                        .send(),
                )
                .await;
            let status = ctx.settle(action, Some(region), settings, res).map(|out| {
                out.db_engine_versions()
                    .iter()
                    .find(|v| {
                        v.engine() == Some(engine.as_str())
                            && v.engine_version() == Some(version.as_str())
                    })
                    // RDS gives every listed version a status; a listed one
                    // without is offered.
                    .map(|v| v.status().unwrap_or("available").to_owned())
            });
            EngineVersionStatus {
                engine,
                version,
                status,
            }
        })
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await;
    // Answers arrive in any order; the snapshot should not.
    out.sort_by(|a, b| (&a.engine, &a.version).cmp(&(&b.engine, &b.version)));
    out
}

async fn db_instances(ctx: &AwsContext, client: &Client, region: &Region) -> Vec<Resource> {
    let action = Action::RdsDescribeDbInstances;
    let stream = client
        .describe_db_instances()
        .max_records(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx.paginate(action, Some(region), stream).await.pages;
    pages
        .iter()
        .flat_map(|p| p.db_instances())
        .flat_map(|i| {
            db_instance(ctx, region, i)
                .into_iter()
                .chain(db_instance_configuration(ctx, region, i))
        })
        .collect()
}

async fn db_clusters(ctx: &AwsContext, client: &Client, region: &Region) -> Vec<Resource> {
    let action = Action::RdsDescribeDbClusters;
    let stream = client
        .describe_db_clusters()
        .max_records(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx.paginate(action, Some(region), stream).await.pages;
    pages
        .iter()
        .flat_map(|p| p.db_clusters())
        .flat_map(|c| {
            db_cluster(ctx, region, c)
                .into_iter()
                .chain(db_cluster_configuration(ctx, region, c))
        })
        .collect()
}

async fn db_snapshots(ctx: &AwsContext, client: &Client, region: &Region) -> Vec<Resource> {
    let action = Action::RdsDescribeDbSnapshots;
    let stream = client
        .describe_db_snapshots()
        .max_records(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx.paginate(action, Some(region), stream).await.pages;
    let listed: Vec<Listed> = pages
        .iter()
        .flat_map(|p| p.db_snapshots())
        .filter_map(|s| db_snapshot(ctx, region, s))
        .collect();
    let attributes = Action::RdsDescribeDbSnapshotAttributes;
    with_restore_access(ctx, region, attributes, listed, |id| async move {
        let out = ctx
            .call(
                attributes,
                Some(region),
                client
                    .describe_db_snapshot_attributes()
                    .db_snapshot_identifier(id)
                    .send(),
            )
            .await?;
        let attrs = out
            .db_snapshot_attributes_result()
            .map(|r| r.db_snapshot_attributes())
            .unwrap_or_default();
        Ok(restore_access(
            attrs
                .iter()
                .map(|a| (a.attribute_name(), a.attribute_values())),
        ))
    })
    .await
    .into_iter()
    .map(|l| l.into_resource(region, |s| Properties::RdsDbSnapshot(Box::new(s))))
    .collect()
}

async fn db_cluster_snapshots(ctx: &AwsContext, client: &Client, region: &Region) -> Vec<Resource> {
    let action = Action::RdsDescribeDbClusterSnapshots;
    let stream = client
        .describe_db_cluster_snapshots()
        .max_records(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx.paginate(action, Some(region), stream).await.pages;
    let listed: Vec<Listed> = pages
        .iter()
        .flat_map(|p| p.db_cluster_snapshots())
        .filter_map(|s| db_cluster_snapshot(ctx, region, s))
        .collect();
    let attributes = Action::RdsDescribeDbClusterSnapshotAttributes;
    with_restore_access(ctx, region, attributes, listed, |id| async move {
        let out = ctx
            .call(
                attributes,
                Some(region),
                client
                    .describe_db_cluster_snapshot_attributes()
                    .db_cluster_snapshot_identifier(id)
                    .send(),
            )
            .await?;
        let attrs = out
            .db_cluster_snapshot_attributes_result()
            .map(|r| r.db_cluster_snapshot_attributes())
            .unwrap_or_default();
        Ok(restore_access(
            attrs
                .iter()
                .map(|a| (a.attribute_name(), a.attribute_values())),
        ))
    })
    .await
    .into_iter()
    .map(|l| l.into_resource(region, |s| Properties::RdsDbClusterSnapshot(Box::new(s))))
    .collect()
}

/// The ARN AWS returned, else one built from the resource kind and id
/// (`db:<id>`, `cluster:<id>`, …); `None` when neither is usable.
fn rds_arn(
    ctx: &AwsContext,
    region: &Region,
    returned: Option<&str>,
    kind: &str,
    id: &str,
) -> Option<Arn> {
    if let Some(arn) = returned.and_then(|a| a.parse::<Arn>().ok()) {
        return Some(arn);
    }
    if id.is_empty() {
        return None;
    }
    ctx.arn("rds", Some(region), &[kind, ":", id].concat())
}

/// A resource whose ARN could not be determined is dropped, with a log line.
fn no_arn<T>(kind: &str, id: &str) -> Option<T> {
    tracing::warn!(kind, id, "rds resource without a usable ARN; skipped");
    None
}

fn tag_map(list: &[aws_sdk_rds::types::Tag]) -> Tags {
    tags(list.iter().map(|t| (t.key(), t.value())))
}

/// The KMS key, reported only for encrypted storage (emulators return a
/// placeholder key for unencrypted clusters).
fn key_if_encrypted(encrypted: bool, key: Option<&str>) -> Option<String> {
    key.filter(|_| encrypted).map(str::to_owned)
}

fn db_instance(ctx: &AwsContext, region: &Region, i: &SdkInstance) -> Option<Resource> {
    let id = i.db_instance_identifier().unwrap_or_default();
    let Some(arn) = rds_arn(ctx, region, i.db_instance_arn(), "db", id) else {
        return no_arn("db", id);
    };
    let storage_encrypted = i.storage_encrypted().unwrap_or(false);
    // The endpoint's port is the one clients use; `DbInstancePort` is 0 for
    // instances outside a cluster.
    let port = i
        .endpoint()
        .and_then(|e| e.port())
        .or(i.db_instance_port().filter(|p| *p != 0));
    let props = DbInstance {
        identifier: id.to_owned(),
        engine: i.engine().map(str::to_owned),
        engine_version: i.engine_version().map(str::to_owned),
        instance_class: i.db_instance_class().map(str::to_owned),
        status: i.db_instance_status().map(str::to_owned),
        publicly_accessible: i.publicly_accessible().unwrap_or(false),
        storage_encrypted,
        kms_key_id: key_if_encrypted(storage_encrypted, i.kms_key_id()),
        backup_retention_days: i.backup_retention_period().unwrap_or(0),
        multi_az: i.multi_az().unwrap_or(false),
        deletion_protection: i.deletion_protection().unwrap_or(false),
        auto_minor_version_upgrade: i.auto_minor_version_upgrade().unwrap_or(false),
        iam_auth_enabled: i.iam_database_authentication_enabled().unwrap_or(false),
        master_username: i.master_username().map(str::to_owned),
        copy_tags_to_snapshot: i.copy_tags_to_snapshot().unwrap_or(false),
        port,
        vpc_id: i
            .db_subnet_group()
            .and_then(|g| g.vpc_id())
            .map(str::to_owned),
        security_groups: i
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id())
            .map(str::to_owned)
            .collect(),
        ca_certificate: i.ca_certificate_identifier().map(str::to_owned),
        cluster_identifier: i.db_cluster_identifier().map(str::to_owned),
        monitoring_interval: i.monitoring_interval(),
        cloudwatch_logs_exports: i.enabled_cloudwatch_logs_exports().to_vec(),
        created: ts_opt(i.instance_create_time()),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: id.to_owned(),
        tags: tag_map(i.tag_list()),
        properties: Properties::RdsDbInstance(Box::new(props)),
    })
}

/// The instance's companion: what `DescribeDBInstances` returned that
/// [`DbInstance`] does not hold.
fn db_instance_configuration(
    ctx: &AwsContext,
    region: &Region,
    i: &SdkInstance,
) -> Option<Resource> {
    let id = i.db_instance_identifier().filter(|id| !id.is_empty())?;
    let arn = ctx.arn("rds", Some(region), &["db-configuration:", id].concat())?;
    let props = DbInstanceConfiguration {
        identifier: id.to_owned(),
        parameter_groups: i
            .db_parameter_groups()
            .iter()
            .filter_map(|g| {
                Some(ParameterGroupMembership {
                    name: g
                        .db_parameter_group_name()
                        .filter(|n| !n.is_empty())?
                        .to_owned(),
                    apply_status: g.parameter_apply_status().map(str::to_owned),
                })
            })
            .collect(),
        engine_lifecycle_support: i.engine_lifecycle_support().map(str::to_owned),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: id.to_owned(),
        tags: Tags::new(),
        properties: Properties::RdsDbInstanceConfiguration(Box::new(props)),
    })
}

/// The cluster's companion: what `DescribeDBClusters` returned that
/// [`DbCluster`] does not hold.
fn db_cluster_configuration(ctx: &AwsContext, region: &Region, c: &SdkCluster) -> Option<Resource> {
    let id = c.db_cluster_identifier().filter(|id| !id.is_empty())?;
    let arn = ctx.arn(
        "rds",
        Some(region),
        &["cluster-configuration:", id].concat(),
    )?;
    let props = DbClusterConfiguration {
        identifier: id.to_owned(),
        parameter_group: c
            .db_cluster_parameter_group()
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        engine_lifecycle_support: c.engine_lifecycle_support().map(str::to_owned),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: id.to_owned(),
        tags: Tags::new(),
        properties: Properties::RdsDbClusterConfiguration(Box::new(props)),
    })
}

fn db_cluster(ctx: &AwsContext, region: &Region, c: &SdkCluster) -> Option<Resource> {
    let id = c.db_cluster_identifier().unwrap_or_default();
    let Some(arn) = rds_arn(ctx, region, c.db_cluster_arn(), "cluster", id) else {
        return no_arn("cluster", id);
    };
    let storage_encrypted = c.storage_encrypted().unwrap_or(false);
    let props = DbCluster {
        identifier: id.to_owned(),
        engine: c.engine().map(str::to_owned),
        engine_version: c.engine_version().map(str::to_owned),
        status: c.status().map(str::to_owned),
        storage_encrypted,
        kms_key_id: key_if_encrypted(storage_encrypted, c.kms_key_id()),
        backup_retention_days: c.backup_retention_period(),
        multi_az: c.multi_az().unwrap_or(false),
        deletion_protection: c.deletion_protection().unwrap_or(false),
        auto_minor_version_upgrade: c.auto_minor_version_upgrade(),
        iam_auth_enabled: c.iam_database_authentication_enabled().unwrap_or(false),
        master_username: c.master_username().map(str::to_owned),
        copy_tags_to_snapshot: c.copy_tags_to_snapshot().unwrap_or(false),
        port: c.port(),
        members: c
            .db_cluster_members()
            .iter()
            .filter_map(|m| m.db_instance_identifier())
            .map(str::to_owned)
            .collect(),
        backtrack_window: c.backtrack_window(),
        cloudwatch_logs_exports: c.enabled_cloudwatch_logs_exports().to_vec(),
        publicly_accessible: c.publicly_accessible(),
        created: ts_opt(c.cluster_create_time()),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: id.to_owned(),
        tags: tag_map(c.tag_list()),
        properties: Properties::RdsDbCluster(Box::new(props)),
    })
}

/// A listed snapshot, before its restore attribute is known.
struct Listed {
    arn: Arn,
    tags: Tags,
    snapshot: DbSnapshot,
}

impl Listed {
    /// Automated snapshots cannot be shared or made public.
    fn shareable(&self) -> bool {
        self.snapshot.snapshot_type.as_deref() != Some("automated")
    }

    fn into_resource(
        self,
        region: &Region,
        props: impl FnOnce(DbSnapshot) -> Properties,
    ) -> Resource {
        Resource {
            arn: self.arn,
            region: Some(region.clone()),
            name: self.snapshot.identifier.clone(),
            tags: self.tags,
            properties: props(self.snapshot),
        }
    }
}

fn db_snapshot(ctx: &AwsContext, region: &Region, s: &SdkSnapshot) -> Option<Listed> {
    let id = s.db_snapshot_identifier().unwrap_or_default();
    let Some(arn) = rds_arn(ctx, region, s.db_snapshot_arn(), "snapshot", id) else {
        return no_arn("snapshot", id);
    };
    let encrypted = s.encrypted().unwrap_or(false);
    Some(Listed {
        arn,
        tags: tag_map(s.tag_list()),
        snapshot: DbSnapshot {
            identifier: id.to_owned(),
            source_identifier: s.db_instance_identifier().map(str::to_owned),
            snapshot_type: s.snapshot_type().map(str::to_owned),
            encrypted,
            kms_key_id: key_if_encrypted(encrypted, s.kms_key_id()),
            engine: s.engine().map(str::to_owned),
            created: ts_opt(s.snapshot_create_time()),
            public: Collected::NotCollected,
            shared_with: Collected::NotCollected,
        },
    })
}

fn db_cluster_snapshot(
    ctx: &AwsContext,
    region: &Region,
    s: &SdkClusterSnapshot,
) -> Option<Listed> {
    let id = s.db_cluster_snapshot_identifier().unwrap_or_default();
    let Some(arn) = rds_arn(
        ctx,
        region,
        s.db_cluster_snapshot_arn(),
        "cluster-snapshot",
        id,
    ) else {
        return no_arn("cluster-snapshot", id);
    };
    let encrypted = s.storage_encrypted().unwrap_or(false);
    Some(Listed {
        arn,
        tags: tag_map(s.tag_list()),
        snapshot: DbSnapshot {
            identifier: id.to_owned(),
            source_identifier: s.db_cluster_identifier().map(str::to_owned),
            snapshot_type: s.snapshot_type().map(str::to_owned),
            encrypted,
            kms_key_id: key_if_encrypted(encrypted, s.kms_key_id()),
            engine: s.engine().map(str::to_owned),
            created: ts_opt(s.snapshot_create_time()),
            public: Collected::NotCollected,
            shared_with: Collected::NotCollected,
        },
    })
}

/// Fills in `public` and `shared_with`: automated snapshots are private by
/// construction; every other snapshot costs one `fetch` (bounded
/// concurrency), whose failure leaves both fields not collected and records
/// a gap naming the snapshot.
async fn with_restore_access<'a, F, Fut>(
    ctx: &'a AwsContext,
    region: &'a Region,
    action: Action,
    listed: Vec<Listed>,
    fetch: F,
) -> Vec<Listed>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(bool, Vec<String>), CallError>> + 'a,
{
    futures::stream::iter(listed)
        .map(|mut l| {
            let call = l.shareable().then(|| fetch(l.snapshot.identifier.clone()));
            async move {
                let access = match call {
                    None => Ok((false, Vec::new())),
                    Some(call) => call.await,
                };
                // Not collected, the fields stay as listed: not collected.
                if let Collected::Value((public, shared_with)) =
                    ctx.settle(action, Some(region), Some(&l.arn), access)
                {
                    l.snapshot.public = Collected::Value(public);
                    l.snapshot.shared_with = Collected::Value(shared_with);
                }
                l
            }
        })
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await
}

/// Who may restore a snapshot, from its attributes: `all` in `restore` makes
/// it public; every other `restore` value is an account it is shared with
/// (sorted, deduplicated).
fn restore_access<'s>(
    attributes: impl IntoIterator<Item = (Option<&'s str>, &'s [String])>,
) -> (bool, Vec<String>) {
    let mut public = false;
    let mut shared_with = Vec::new();
    for (name, values) in attributes {
        if name != Some(RESTORE_ATTRIBUTE) {
            continue;
        }
        for value in values {
            let value = value.trim();
            if value.eq_ignore_ascii_case(PUBLIC_VALUE) {
                public = true;
            } else if !value.is_empty() {
                shared_with.push(value.to_owned());
            }
        }
    }
    shared_with.sort_unstable();
    shared_with.dedup();
    (public, shared_with)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn restore_all_is_public_and_accounts_are_shared() {
        let restore = strings(&["222233334444", "all", "111122223333", "222233334444"]);
        let other = strings(&["999999999999"]);
        let (public, shared) = restore_access([
            (Some("restore"), restore.as_slice()),
            (Some("something-else"), other.as_slice()),
        ]);
        assert!(public);
        assert_eq!(shared, strings(&["111122223333", "222233334444"]));
    }

    #[test]
    fn no_restore_values_is_private() {
        let empty: Vec<String> = Vec::new();
        assert_eq!(
            restore_access([(Some("restore"), empty.as_slice())]),
            (false, Vec::new())
        );
        assert_eq!(restore_access([]), (false, Vec::new()));
    }

    #[test]
    fn kms_key_only_when_encrypted() {
        assert_eq!(key_if_encrypted(false, Some("default_kms_key_id")), None);
        assert_eq!(
            key_if_encrypted(true, Some("arn:aws:kms:eu-west-1:123456789012:key/k")),
            Some("arn:aws:kms:eu-west-1:123456789012:key/k".to_owned())
        );
        assert_eq!(key_if_encrypted(true, None), None);
    }
}
