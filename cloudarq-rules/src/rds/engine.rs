//! Facts about RDS engines that several rules need: default ports, which
//! engines support IAM authentication, default master user names.

/// The engine's default port, `None` for an engine CloudArq does not know.
pub(crate) fn default_port(engine: &str) -> Option<i32> {
    let port = match engine {
        "mysql" | "mariadb" | "aurora" | "aurora-mysql" => 3306,
        "postgres" | "aurora-postgresql" => 5432,
        "neptune" => 8182,
        "docdb" => 27017,
        e if e.starts_with("oracle") || e.starts_with("custom-oracle") => 1521,
        e if e.starts_with("sqlserver") || e.starts_with("custom-sqlserver") => 1433,
        e if e.starts_with("db2") => 50000,
        _ => return None,
    };
    Some(port)
}

/// The engines of Multi-AZ DB clusters (non-Aurora clusters with two readable
/// standbys), whose maintenance settings live on the cluster.
pub(crate) fn is_multi_az_cluster_engine(engine: &str) -> bool {
    matches!(engine, "mysql" | "postgres")
}

/// Engines that support IAM database authentication.
pub(crate) fn supports_iam_auth(engine: &str) -> bool {
    matches!(
        engine,
        "mysql"
            | "mariadb"
            | "postgres"
            | "aurora"
            | "aurora-mysql"
            | "aurora-postgresql"
            | "neptune"
    )
}

/// Master user names that are engine or console defaults, or the first names
/// an attacker tries.
pub(crate) const DEFAULT_ADMIN_NAMES: [&str; 6] =
    ["admin", "administrator", "postgres", "root", "sa", "master"];

/// Whether `name` is a default or commonly guessed master user name.
pub(crate) fn is_default_admin(name: &str) -> bool {
    DEFAULT_ADMIN_NAMES
        .iter()
        .any(|d| d.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_facts() {
        assert_eq!(default_port("aurora-postgresql"), Some(5432));
        assert_eq!(default_port("oracle-ee-cdb"), Some(1521));
        assert_eq!(default_port("sqlserver-web"), Some(1433));
        assert_eq!(default_port("something-new"), None);
        assert!(supports_iam_auth("aurora-mysql"));
        assert!(!supports_iam_auth("oracle-ee"));
        assert!(is_default_admin("Admin"));
        assert!(!is_default_admin("app_owner"));
    }
}
