//! The command line: serve, migrate, openapi, keys.

use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::ServeConfig;
use crate::db::{Db, DbOptions};
use crate::startup::Application;
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(name = "klyngemidler", version, about = "Cluster funds for Danish health clusters, exact to the øre.")]
pub struct Cli {
    /// A SQLite file path, or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "klyngemidler.db", global = true)]
    pub database_url: String,
    /// `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (runs pending migrations first).
    Serve(ServeArgs),
    /// Run pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Fill the database with generated clusters, pools and granted applications (for benchmarks).
    Generate {
        #[arg(long, default_value_t = 21)]
        clusters: u32,
        #[arg(long, default_value_t = 10)]
        years: u32,
        /// Applications per pool; each leaves four ledger postings.
        #[arg(long, default_value_t = 2000)]
        applications: u32,
        #[arg(long, default_value_t = 2016)]
        first_year: i64,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check the ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first broken event if any.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute the running balances (the status projection) from the
    /// postings; exit 1 and name every disagreement if any.
    Verify,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Load the North Jutland demo when the database has no clusters, and print an admin key.
    #[arg(long)]
    pub demo: bool,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS")]
    pub workers: Option<usize>,
    /// Database connections (SQLite readers; PostgreSQL in total).
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 262_144)]
    pub max_body_bytes: usize,
    /// Largest attachment accepted, in bytes (default 20 MiB).
    #[arg(long, env = "ATTACHMENT_MAX_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub attachment_max_bytes: u64,
    /// Failed API-key attempts per client address and minute before 429.
    #[arg(long, env = "AUTH_FAILURES_PER_MINUTE", default_value_t = 20)]
    pub auth_failures_per_minute: u32,
    /// Where approval links point, e.g. https://klyngemidler.example.org (default: http://BIND).
    #[arg(long, env = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// SMTP server for outgoing mail, e.g. smtp://127.0.0.1:25 or smtps://user:pass@mail.example.org. Without it mail waits in the outbox.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail.
    #[arg(long, env = "SMTP_FROM", default_value = "Klyngemidler <klyngemidler@example.org>")]
    pub smtp_from: String,
    /// Days an approval link is valid.
    #[arg(long, env = "APPROVAL_LINK_DAYS", default_value_t = 14)]
    pub approval_link_days: i64,
    /// Hours before a link expires when a reminder (with a fresh link) is sent.
    #[arg(long, env = "APPROVAL_REMINDER_HOURS", default_value_t = 48)]
    pub approval_reminder_hours: i64,
    /// Where a project's "stopped" report prompts a release (default: the sender's address).
    #[arg(long, env = "SECRETARIAT_EMAIL")]
    pub secretariat_email: Option<String>,
    /// Approvers are not asked about applications from the party they belong to.
    #[arg(long, env = "APPROVER_RECUSAL", default_value_t = false)]
    pub approver_recusal: bool,
    /// Show `/dashboard` to anyone, without a viewer key: it shows aggregate figures of public money.
    #[arg(long, env = "PUBLIC_DASHBOARD", default_value_t = false)]
    pub public_dashboard: bool,
    /// Load balancers whose `X-Forwarded-For` names the client, comma-separated IP addresses (default: none).
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// How often the outbox worker looks for mail to send, in milliseconds.
    #[arg(long, env = "OUTBOX_INTERVAL_MS", default_value_t = 2000)]
    pub outbox_interval_ms: u64,
    /// Seconds a node holds mail it is sending before another node may retry it (keep it above the SMTP timeout of 10 s).
    #[arg(long, env = "OUTBOX_LEASE_SECS", default_value_t = 60)]
    pub outbox_lease_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; the key is the last line printed.
    Create {
        /// admin, finance, secretariat or viewer.
        #[arg(long)]
        role: String,
        /// Limit the key to this cluster (repeat for several).
        #[arg(long = "cluster")]
        clusters: Vec<String>,
        /// Who or what the key is for.
        #[arg(long, default_value = "command line key")]
        name: String,
        /// Let the key expire after this many days.
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// The user's e-mail: the key joins that user (created if new).
        #[arg(long)]
        email: Option<String>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by its id.
    Revoke { id: i64 },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn connect(url: &str, options: &DbOptions) -> Result<Db, String> {
    let db = Db::connect(url, options).map_err(|e| format!("cannot open the database: {e}"))?;
    let applied = db.migrate().map_err(|e| e.to_string())?;
    for name in applied {
        tracing::info!(migration = %name, "applied migration");
    }
    Ok(db)
}

fn execute(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Openapi => {
            print!("{}", crate::http::openapi_json());
            Ok(())
        }
        Command::Migrate => connect(&cli.database_url, &DbOptions::default()).map(|_| ()),
        Command::Keys { command: KeysCommand::Create { role, clusters, name, expires_in_days, email } } => {
            let db = connect(&cli.database_url, &DbOptions::default())?;
            let now = crate::http::now();
            let expires = expires_in_days.map(|d| now + chrono::Duration::days(i64::from(d)));
            let key = db
                .write_sync(|c| crate::admin::service::keys::issue_with_email(c, &role, &clusters, &name, email.as_deref(), expires, now))
                .map_err(|e| e.to_string())?;
            println!("{key}");
            Ok(())
        }
        Command::Keys { command: KeysCommand::List } => {
            let db = connect(&cli.database_url, &DbOptions::default())?;
            let keys = db.read_sync(|c| crate::db::api_keys::keys(c, None).map_err(StoreError::from)).map_err(|e| e.to_string())?;
            println!("{:>5}  {:<14} {:<12} {:<16} {:<8} name", "id", "prefix", "role", "clusters", "state");
            for k in keys {
                let state = if k.revoked_at.is_some() { "revoked" } else { "live" };
                let clusters = if k.clusters.is_empty() { "all" } else { k.clusters.as_str() };
                println!("{:>5}  {:<14} {:<12} {:<16} {:<8} {}", k.id, k.key_prefix, k.role, clusters, state, k.name);
            }
            Ok(())
        }
        Command::Keys { command: KeysCommand::Revoke { id } } => {
            let db = connect(&cli.database_url, &DbOptions::default())?;
            let now = crate::http::now();
            let revoked = db
                .write_sync(|c| {
                    let actor = crate::db::pools::Actor { name: "command line", request_id: None, at: now };
                    let done = crate::admin::service::revoke_key(c, id, None, actor)?;
                    Ok::<_, StoreError>(done)
                })
                .map_err(|e| e.to_string())?;
            if revoked {
                println!("revoked key {id}");
                Ok(())
            } else {
                Err(format!("no live key {id}"))
            }
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let db = connect(&cli.database_url, &DbOptions::default())?;
            match db.read_sync(crate::db::audit::verify).map_err(|e| e.to_string())? {
                crate::db::audit::Verdict::Intact { events, streams, head } => {
                    println!("audit trail intact: {events} events in {streams} streams, newest {head}");
                    Ok(())
                }
                crate::db::audit::Verdict::Broken { id, reason } => Err(format!("audit trail broken at event {id}: {reason}")),
            }
        }
        Command::Ledger { command: LedgerCommand::Verify } => {
            let db = connect(&cli.database_url, &DbOptions::default())?;
            let wrong = db.read_sync(crate::db::ledger::verify).map_err(|e| e.to_string())?;
            if wrong.is_empty() {
                println!("ledger balances agree with the postings");
                return Ok(());
            }
            for d in &wrong {
                eprintln!("kept {:?}, recomputed {:?}", d.kept, d.recomputed);
            }
            Err(format!("the running balances disagree with the postings in {} places", wrong.len()))
        }
        Command::Generate { clusters, years, applications, first_year } => {
            let db = connect(&cli.database_url, &DbOptions::default())?;
            let volume = crate::demo::generate::Volume { clusters, years, applications, first_year };
            let started = std::time::Instant::now();
            let total = u64::from(clusters) * u64::from(years);
            let done = crate::demo::generate::generate(&db, volume, crate::http::now(), |g| {
                if g.pools % 10 == 0 || g.pools == total {
                    eprintln!("{}/{total} pools, {} applications, {:.0} s", g.pools, g.applications, started.elapsed().as_secs_f64());
                }
            })
            .map_err(|e| e.to_string())?;
            println!(
                "generated {} pools, {} applications, {} grants ({} ledger postings) in {:.0} s",
                done.pools,
                done.applications,
                done.grants,
                done.grants * 4,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Serve(args) => serve(&cli.database_url, args),
    }
}

/// `klyngemidler@example.org` of `Klyngemidler <klyngemidler@example.org>`.
fn sender_address(from: &str) -> String {
    match (from.find('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => from[a + 1..b].trim().to_owned(),
        _ => from.trim().to_owned(),
    }
}

fn serve(database_url: &str, args: ServeArgs) -> Result<(), String> {
    let config = ServeConfig {
        bind: args.bind.clone(),
        workers: args.workers,
        max_body_bytes: args.max_body_bytes,
        max_attachment_bytes: args.attachment_max_bytes.max(1),
        auth_failures_per_minute: args.auth_failures_per_minute,
        links: crate::approvals::service::LinkSettings {
            public_base_url: args.public_base_url.clone().unwrap_or_else(|| format!("http://{}", args.bind)),
            link_days: args.approval_link_days.clamp(1, 365),
            reminder_hours: args.approval_reminder_hours.max(0),
            recusal: args.approver_recusal,
            secretariat_email: args.secretariat_email.clone().unwrap_or_else(|| sender_address(&args.smtp_from)),
        },
        mail: crate::mail::worker::MailSettings {
            smtp_url: args.smtp_url.clone(),
            from: args.smtp_from.clone(),
            interval: Duration::from_millis(args.outbox_interval_ms.max(100)),
            lease: Duration::from_secs(args.outbox_lease_secs.max(1)),
            worker_id: crate::mail::worker::default_worker_id(),
        },
        follow_up: crate::follow_up::FollowUpSettings {
            secretariat_email: args.secretariat_email.clone().unwrap_or_else(|| sender_address(&args.smtp_from)),
            ..crate::follow_up::FollowUpSettings::default()
        },
        db: DbOptions { pool_size: args.db_pool_size.max(1), ..DbOptions::default() },
        public_dashboard: args.public_dashboard,
        trusted_proxies: crate::http::client::TrustedProxies::parse(&args.trusted_proxies).map_err(|e| format!("TRUSTED_PROXIES: {e}"))?,
    };
    let db = connect(database_url, &config.db)?;
    if args.demo {
        match crate::demo::load_if_empty(&db, crate::http::now()).map_err(|e| e.to_string())? {
            Some(key) => {
                println!("Loaded the North Jutland demo (four clusters, 2022 pools).");
                println!("Admin API key (shown once):");
                println!("{key}");
            }
            None => println!("The database already has clusters; no demo loaded. Create a key with: klyngemidler keys create --role admin"),
        }
    }
    let listener = TcpListener::bind(&config.bind).map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    let backend = Backend::of_url(database_url).as_str();
    // Built inside the actix system: the app starts background tasks (the outbox worker).
    actix_web::rt::System::new()
        .block_on(async move {
            let app = Application::build(db, listener, &config)?;
            println!("Klyngemidler on http://{} (API docs at /docs, backend {backend})", config.bind);
            app.run_until_stopped().await
        })
        .map_err(|e| e.to_string())
}

use crate::db::{Backend, StoreError};
