//! Which regions a scan covers: the ones asked for, or every enabled one.

use cloudarq_model::{CoverageGap, GapKind, Region, Service};

use super::{Action, AwsContext};

/// The enabled regions of the account (`ec2:DescribeRegions`), and gaps for
/// requested regions that are not enabled.
pub(crate) async fn discover_regions(
    ctx: &AwsContext,
    requested: Option<&[Region]>,
) -> (Vec<Region>, Vec<CoverageGap>) {
    let home = ctx.home_region().clone();
    let client = ctx.ec2(&home);
    let res = ctx
        .call(
            Action::Ec2DescribeRegions,
            Some(&home),
            client.describe_regions().all_regions(true).send(),
        )
        .await;
    let mut gaps = Vec::new();
    let enabled: Option<Vec<Region>> = match res {
        Ok(out) => Some(
            out.regions()
                .iter()
                .filter(|r| {
                    matches!(
                        r.opt_in_status(),
                        None | Some("opt-in-not-required" | "opted-in")
                    )
                })
                .filter_map(|r| r.region_name().and_then(|n| n.parse().ok()))
                .collect(),
        ),
        Err(e) => {
            ctx.record_gap(Action::Ec2DescribeRegions, Some(&home), None, &e);
            None
        }
    };
    let mut regions = match (requested, enabled) {
        (Some(req), Some(enabled)) => {
            let mut keep = Vec::new();
            for r in req {
                if enabled.contains(r) {
                    keep.push(r.clone());
                } else {
                    gaps.push(CoverageGap {
                        service: Service::Ec2,
                        region: Some(r.clone()),
                        action: Action::Ec2DescribeRegions.iam_action().to_owned(),
                        resource: None,
                        kind: GapKind::RegionNotEnabled,
                        error_code: None,
                        message: format!("region {r} is not enabled for the account; skipped"),
                    });
                }
            }
            keep
        }
        (Some(req), None) => req.to_vec(),
        (None, Some(enabled)) => enabled,
        (None, None) => vec![home],
    };
    regions.sort();
    regions.dedup();
    (regions, gaps)
}
