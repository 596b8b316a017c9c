//! The collector binary: a thin command line over [`nps_collector::startup::Application`].

use anyhow::Context;
use clap::{Parser, Subcommand};
use nps_collector::config::Settings;
use nps_collector::startup::Application;
use nps_core::wire::AdminRole;
use std::path::PathBuf;

/// Every request allocates (headers, JSON, records): mimalloc's thread-local free lists cost a
/// fraction of glibc malloc's locking and consolidation, which showed up as a tenth of the
/// request path in profiles.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "nps-collector", about = "Self-hosted in-app NPS: collector, admin API and hosted surveys")]
struct Cli {
    /// TOML settings file; `NPS_*` environment variables override it.
    #[arg(long, global = true, env = "NPS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create an admin user (the first one should be an owner).
    CreateUser {
        #[arg(long)]
        email: String,
        /// Read from the environment to keep it out of shell history.
        #[arg(long, env = "NPS_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "owner")]
        role: String,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Make the configured server secret the one the database expects (after changing it on
    /// purpose, with every collector stopped): see `docs/scale-out.md`.
    AdoptServerSecret,
    /// Build the account aggregates (at-risk list, revenue report, timelines) again from the
    /// stored answers of every survey: after answers reached the database another way than
    /// through a collector (a restore, history loaded by hand). Safe while collectors run.
    RebuildAccountAggregates,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("reading settings")?;
    nps_collector::telemetry::init(&settings.log.format, &settings.log.filter);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            nps_collector::store::connect(settings.database_url.expose()).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::AdoptServerSecret => {
            let secret = nps_collector::startup::server_secret(&settings)?;
            let store = nps_collector::store::connect(settings.database_url.expose()).await?;
            nps_collector::secret_check::adopt(&store, &secret, chrono::Utc::now().timestamp_millis()).await?;
            println!("the database now expects this server secret; start every collector with it");
            Ok(())
        }
        Command::RebuildAccountAggregates => {
            let store = nps_collector::store::connect(settings.database_url.expose()).await?;
            for survey in store.list_surveys(None).await? {
                let answers = store.rebuild_account_rollups(survey.id).await?;
                println!("survey {} ({}): {answers} answers in the account aggregates", survey.id, survey.kind.as_str());
            }
            Ok(())
        }
        Command::CreateUser { email, password, role } => {
            let role = AdminRole::parse(&role).context("role must be owner, admin, analyst, hr or partner_manager")?;
            let store = nps_collector::store::connect(settings.database_url.expose()).await?;
            let hash = nps_collector::auth::hash_password(password).await?;
            store.create_admin(&email.trim().to_lowercase(), &hash, role, chrono::Utc::now().timestamp_millis()).await?;
            println!("created {} ({})", email, role.as_str());
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let app = Application::build(settings).await?;
    println!("NPS collector listening on {}", app.public_url);
    println!("  admin app:    {}/admin  (its sign-in page creates the first owner)", app.public_url);
    println!("  start page:   {}/", app.public_url);
    println!("  API (OpenAPI): {}/openapi.json", app.public_url);
    println!("  first owner:  POST {}/api/admin/bootstrap  {{\"email\": ..., \"password\": ...}}", app.public_url);
    app.run_until_stopped().await
}
