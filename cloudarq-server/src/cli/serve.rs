//! `cloudarq serve` (the hosted service), `cloudarq serve keygen` (token
//! signing keys) and `cloudarq users add` (a tenant's first admin).

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use cloudarq_model::text::Inert;
use cloudarq_store::users::Role;
use secrecy::SecretString;

use super::store::StoreArgs;
use crate::service;

/// `cloudarq serve …`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    /// The configuration file (TOML; `CLOUDARQ_*` variables override it).
    #[arg(long, value_name = "FILE", env = "CLOUDARQ_CONFIG")]
    pub config: Option<PathBuf>,
    /// keygen.
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
}

/// `cloudarq serve keygen`
#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Add a token signing key and retire the current one (rotation; the
    /// running service picks the file up within 10 s, and tokens of the
    /// retired key stay valid until they expire).
    Keygen {
        /// The signing-key file (created mode 600 if missing).
        #[arg(long, value_name = "FILE")]
        keys: PathBuf,
    },
}

/// `cloudarq audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every tenant's audit-log hash chain: prints each tenant's
    /// entry count and head (keep it elsewhere: a later run that shows an
    /// older head means the tail was cut), or the first entry where the
    /// chain breaks; exits 1 when any chain is broken.
    Verify,
}

/// `cloudarq audit verify`.
pub async fn audit(
    store_args: &StoreArgs,
    cmd: AuditCommand,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let AuditCommand::Verify = cmd;
    let (store, runner) = store_args.open().await?;
    let names: std::collections::HashMap<_, _> = store
        .tenants(&runner)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let reports = store.verify_audit_log(&runner).await?;
    let mut broken = 0;
    for r in &reports {
        let name = names.get(&r.tenant).map_or("?", String::as_str);
        let who = format!("{} ({})", Inert(name), r.tenant.as_uuid());
        let before = if r.unchained > 0 {
            format!(", {} from before the chain", r.unchained)
        } else {
            String::new()
        };
        match (&r.broken, &r.head) {
            (Some((seq, why)), _) => {
                broken += 1;
                writeln!(
                    out,
                    "BROKEN  {who}: at entry {seq}: {why} ({} entries verified before it{before})",
                    r.chained
                )?;
            }
            (None, Some((seq, hash))) => writeln!(
                out,
                "ok      {who}: {} entries{before}, head {seq} {hash}",
                r.chained
            )?,
            (None, None) => writeln!(out, "ok      {who}: no chained entries{before}")?,
        }
    }
    if reports.is_empty() {
        writeln!(out, "no audit entries")?;
    }
    if broken > 0 {
        writeln!(
            out,
            "{broken} of {} tenants' audit logs do not verify",
            reports.len()
        )?;
        return Ok(1);
    }
    Ok(0)
}

/// `cloudarq users …`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user to a tenant (creating the tenant if it does not exist).
    /// The password is read from standard input (one line), or from
    /// CLOUDARQ_NEW_PASSWORD.
    Add {
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// The user's e-mail address (their sign-in name in the tenant).
        #[arg(long)]
        email: String,
        /// admin or client.
        #[arg(long, default_value = "admin", value_parser = ["admin", "client"])]
        role: String,
    },
    /// Add an operator: an admin of the operators' tenant (`_operators`,
    /// created on first use), who creates and deletes tenants through the
    /// API after signing in there with a second factor. The password is
    /// read as for `add`.
    AddOperator {
        /// The operator's e-mail address.
        #[arg(long)]
        email: String,
    },
}

/// Runs `serve`.
pub async fn serve(args: ServeArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    match args.command {
        Some(ServeCommand::Keygen { keys }) => {
            let kid = service::tokens::keygen(&keys, time::OffsetDateTime::now_utc())?;
            writeln!(
                out,
                "new signing key {kid} in {}; earlier keys are retired",
                keys.display()
            )?;
            Ok(0)
        }
        None => {
            let path = args
                .config
                .context("`cloudarq serve` needs --config FILE (or CLOUDARQ_CONFIG)")?;
            let config = service::config::ServiceConfig::load(&path)?;
            service::serve(config).await?;
            Ok(0)
        }
    }
}

/// Runs `worker` until SIGTERM or Ctrl-C.
pub async fn worker(config: &std::path::Path, out: &mut dyn Write) -> anyhow::Result<u8> {
    let config = service::config::ServiceConfig::load(config)?;
    let (store, runner) = service::open_store(&config).await?;
    let id = match std::env::var("CLOUDARQ_WORKER_ID") {
        Ok(id) => id,
        Err(_) => format!(
            "{}/{}",
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().chars().take(60).collect::<String>())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "worker".into()),
            std::process::id()
        ),
    };
    let w = &config.worker;
    let settings = crate::worker::WorkerSettings {
        id,
        concurrency: w.concurrency as usize,
        poll: std::time::Duration::from_secs(u64::from(w.poll_seconds)),
        shutdown_grace: std::time::Duration::from_secs(u64::from(w.shutdown_grace_seconds)),
        regions: w.regions.clone(),
        aws_endpoint_url: config.connections.aws_endpoint_url.clone(),
        maintenance: w.maintenance.then(|| crate::worker::MaintenanceSettings {
            backup_dir: w.backup_dir.clone(),
            backup_policy: cloudarq_store::backup::BackupPolicy {
                keep: w.backup_keep.map(|n| n as usize),
                retention: cloudarq_store::retention::RetentionPolicy::default(),
            },
        }),
    };
    let worker = crate::worker::Worker::new(
        std::sync::Arc::new(store),
        runner,
        settings,
        std::sync::Arc::new(|| cloudarq_core::CredentialSource::DefaultChain { profile: None }),
    );
    let outcomes = worker.run(service::shutdown_signal()).await;
    writeln!(out, "worker stopped after {} scans", outcomes.len())?;
    Ok(0)
}

/// Runs `users`.
pub async fn users(
    store_args: &StoreArgs,
    command: UsersCommand,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let (tenant, email, role) = match command {
        UsersCommand::Add {
            tenant,
            email,
            role,
        } => {
            if tenant.starts_with('_') {
                anyhow::bail!(
                    "tenant names starting with _ are reserved (operators: `cloudarq users add-operator`)"
                );
            }
            (Some(tenant), email, role)
        }
        UsersCommand::AddOperator { email } => (None, email, "admin".to_owned()),
    };
    let role = Role::parse(&role).context("role must be admin or client")?;
    let password = match std::env::var("CLOUDARQ_NEW_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .take(4096)
                .read_to_string(&mut line)
                .context("reading the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let password = SecretString::from(password);
    let passwords = service::password::Passwords::new()?;
    passwords
        .policy(&password, &email)
        .map_err(|e| anyhow::anyhow!("password refused: {e}"))?;
    let hash = passwords.hash(&password).await?;
    let (store, runner) = store_args.open().await?;
    let now = time::OffsetDateTime::now_utc();
    let id = match &tenant {
        None => store.operator_tenant(&runner, now).await?,
        Some(name) => match store.tenant_by_name(&runner, name).await? {
            Some(t) => t,
            None => store.create_tenant(&runner, name, now).await?,
        },
    };
    let tenant = tenant.unwrap_or_else(|| cloudarq_store::tenants::OPERATOR_TENANT.to_owned());
    let scope = runner.scope(id);
    let user = store
        .create_user(&scope, &email, role, Some(&hash), None, now)
        .await?;
    store
        .audit(
            &scope,
            &cloudarq_store::audit_log::AuditEntry {
                actor: "cli:users-add".into(),
                action: "user.create".into(),
                target: format!("user:{}", user.0),
                source_ip: None,
                user_agent: None,
                outcome: "success".into(),
                at: now,
            },
        )
        .await?;
    writeln!(
        out,
        "added {} ({}) to tenant {} as {}",
        Inert(&email),
        user.0,
        Inert(&tenant),
        role.as_str()
    )?;
    Ok(0)
}
