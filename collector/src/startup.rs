//! Builds the whole collector from settings: storage, spool, drainer, HTTP server. Binding to
//! port 0 picks a free port, which the tests use.

use crate::auth::TokenKeys;
use crate::cache::ProjectCache;
use crate::campaign::scheduler::CampaignMailer;
use crate::config::{IngestMode, Settings};
use crate::data_rights::DataRights;
use crate::ingest::erasures::ErasureLedger;
use crate::error::ApiError;
use crate::ingest::{Drainer, Ingestor, Spool};
use crate::metrics::Metrics;
use crate::outbox::{EventPublisher, Outbox, Transports, Worker};
use crate::ratelimit::RateLimits;
use crate::resident::Resident;
use crate::state::AppState;
use crate::{guard, routes, store};
use actix_web::body::BoxBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use nps_core::ErrorCode;
use rand::Rng;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Application {
    port: u16,
    server: Server,
    shutdown: watch::Sender<bool>,
    drainer: Option<JoinHandle<()>>,
    /// Stopped after the drainer, so events of the final drain are enqueued first.
    outbox_worker: (watch::Sender<bool>, JoinHandle<()>),
    pub public_url: String,
}

/// A configured secret shorter than this is refused: HS256 with a short key can be brute-forced
/// offline from any one session token, which would let anyone forge admin sessions.
pub const MIN_SERVER_SECRET_BYTES: usize = 32;

/// The server secret signs sessions. Taken from settings, else from `data_dir/server.secret`,
/// else generated there once (so sessions survive restarts).
pub fn server_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &settings.auth.server_secret {
        let bytes = secret.expose().as_bytes();
        anyhow::ensure!(
            bytes.len() >= MIN_SERVER_SECRET_BYTES,
            "auth.server_secret (NPS_AUTH__SERVER_SECRET) is {} bytes; it must be at least {MIN_SERVER_SECRET_BYTES} \
             (e.g. `openssl rand -hex 32`), or leave it unset to generate one in data_dir",
            bytes.len()
        );
        return Ok(bytes.to_vec());
    }
    let path = settings.data_dir.join("server.secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let secret = hex::encode(rand::rng().random::<[u8; 32]>());
    write_private(&path, &secret)?;
    Ok(secret.into_bytes())
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

async fn record_latency(req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    // Never the method verbatim: a client could invent one series per request.
    let method = crate::metrics::method_label(req.method());
    let started = Instant::now();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        metrics
            .http_duration
            .with_label_values(&[method, response.status().as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// A malformed path parameter names no resource: a JSON 404. (Query strings and bodies have
/// extractors of their own, in `extract`.)
fn extractor_errors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|e, _| ApiError::client(ErrorCode::NotFound, e.to_string()).into()));
}

/// No route took the request: 405 with `Allow` when the path is documented (only the method is
/// wrong), else 404.
async fn not_found(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let Some(allowed) = crate::openapi::allowed_methods(req.path()) else {
        return ApiError::client(ErrorCode::NotFound, "no such endpoint").error_response();
    };
    let allow = allowed.join(", ");
    let message = format!("{} is not supported here; use {allow}", req.method());
    let mut response = ApiError::client(ErrorCode::MethodNotAllowed, message).error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    response
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        crate::private_files::create_private_dir(&settings.data_dir)
            .with_context(|| format!("creating data_dir {}", settings.data_dir.display()))?;
        // Before the database: a bad secret should stop start-up before anything is opened.
        let secret = server_secret(&settings)?;
        let keys = TokenKeys::new(&secret);
        let store = store::connect(settings.database_url.expose()).await.context("opening the database")?;
        crate::secret_check::check(&store, &secret, chrono::Utc::now().timestamp_millis()).await?;
        let ledger = Arc::new(ErasureLedger::new(&secret, store.clone(), store.dialect() == crate::store::Dialect::Postgres));
        ledger.load().await.context("reading the erasure ledger")?;
        let metrics = Arc::new(Metrics::new()?);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (outbox, events, outbox_worker) = start_outbox(&settings, &store, &metrics)?;
        let (ingestor, spool, drainer) = start_ingest(&settings, &store, &metrics, &events, &ledger, shutdown_rx).await?;
        // The spool and outbox files exist now: make them, and anything else there, private.
        crate::private_files::restrict_dir_contents(&settings.data_dir)?;
        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .with_context(|| format!("binding {}:{}", settings.http.host, settings.http.port))?;
        let port = listener.local_addr()?.port();
        let public_url = settings.public_url(port);
        let _ = events.public_url.set(public_url.clone());
        let shutdown_timeout = settings.http.shutdown_timeout_secs;
        let campaigns = Arc::new(CampaignMailer::new(public_url.clone(), settings.campaigns.clone()));
        let data_rights = Arc::new(DataRights {
            store: store.clone(),
            spool: spool.clone(),
            outbox: outbox.clone(),
            resident: ingestor.resident().cloned(),
            ledger,
        });
        tokio::spawn(crate::data_rights::retention::run(store.clone(), shutdown.subscribe()));
        let decisions = crate::decide_batch::DecisionBatcher::start(
            store.clone(),
            settings.ingest.decision_batch,
            settings.ingest.decision_batches_in_flight,
        );
        let state = web::Data::new(AppState {
            activity: Default::default(),
            decisions,
            campaigns: campaigns.clone(),
            data_rights,
            limits: RateLimits::new(&settings.limits),
            sign_in: crate::ratelimit::SignInThrottle::new(&secret, store.clone(), &settings.auth),
            recent_writes: Default::default(),
            projects: ProjectCache::new(store.clone(), Duration::from_secs(5)),
            settings,
            store,
            ingestor,
            spool,
            keys,
            metrics,
            outbox,
            events,
        });
        spawn_housekeeping(state.clone());
        tokio::spawn(campaigns.run(state.campaign_deps(), shutdown.subscribe()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(extractor_errors)
                // Innermost: it sees the route's outcome and the notes of its extractors.
                .wrap(from_fn(crate::audit::record))
                .wrap(from_fn(guard::client_guard))
                .wrap(from_fn(record_latency))
                .wrap(tracing_actix_web::TracingLogger::<crate::telemetry::LeanRootSpan>::new())
                .configure(routes::configure)
                .configure(crate::openapi::configure)
                .default_service(web::to(not_found))
        })
        .listen(listener)?
        .shutdown_timeout(shutdown_timeout)
        .run();
        Ok(Self { port, server, shutdown, drainer, outbox_worker, public_url })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish and drains the spool
    /// (within the configured grace period; the rest stays spooled for the next start).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await?;
        tracing::info!("HTTP server stopped; draining the spool");
        let _ = self.shutdown.send(true);
        if let Some(drainer) = self.drainer {
            drainer.await?;
        }
        let (stop_outbox, outbox_worker) = self.outbox_worker;
        let _ = stop_outbox.send(true);
        outbox_worker.await?;
        Ok(())
    }
}

/// Keeps every user's eligibility facts in memory when this collector is the database's only
/// writer (SQLite); see [`Resident`]. PostgreSQL may be shared by several collectors, so it
/// decides from SQL.
async fn load_resident(settings: &Settings, store: &store::DynStore, spool: &Spool) -> anyhow::Result<Option<Arc<Resident>>> {
    if !settings.ingest.resident_decisions || store.dialect() != crate::store::Dialect::Sqlite {
        return Ok(None);
    }
    let pending: Vec<crate::ingest::IngestRecord> = spool
        .peek(usize::MAX)
        .await
        .context("reading the spool")?
        .into_iter()
        .filter_map(|(_, bytes)| serde_json::from_slice(&bytes).ok())
        .collect();
    let now = chrono::Utc::now().timestamp_millis();
    let resident = Resident::load(store, &pending, settings.ingest.resident_max_users, now).await.context("loading eligibility facts")?;
    Ok(resident.map(Arc::new))
}

type IngestParts = (Ingestor, Option<Arc<Spool>>, Option<JoinHandle<()>>);

/// The ingestor the handlers write through; in spool mode also the spool (erased records
/// removed first), the in-memory facts and the drainer's task.
async fn start_ingest(
    settings: &Settings,
    store: &store::DynStore,
    metrics: &Arc<Metrics>,
    events: &Arc<EventPublisher>,
    ledger: &Arc<ErasureLedger>,
    shutdown_rx: watch::Receiver<bool>,
) -> anyhow::Result<IngestParts> {
    Ok(match settings.ingest.mode {
        IngestMode::Spool => {
            let spool = Spool::open(&settings.data_dir.join("spool.redb"), settings.ingest.max_group, metrics.clone())
                .context("opening the spool")?;
            crate::data_rights::purge_erased_at_start(&spool, ledger).await.context("removing erased records from the spool")?;
            // Before the drainer starts: nothing may move from the spool to SQL between
            // the two reads that build the in-memory facts.
            let resident = load_resident(settings, store, &spool).await?;
            let drainer = Drainer {
                spool: spool.clone(),
                store: store.clone(),
                metrics: metrics.clone(),
                batch: settings.ingest.drain_batch.max(1),
                shutdown_grace: Duration::from_secs(settings.ingest.shutdown_drain_secs),
                // Only when decisions read memory: otherwise a decision may wait for the
                // user's latest write to reach SQL, and must not wait for a linger too.
                linger: if resident.is_some() { Duration::from_millis(settings.ingest.drain_linger_ms) } else { Duration::ZERO },
                hook: Some(events.clone()),
                erasures: Some(ledger.clone()),
            };
            let handle = if settings.ingest.drain_paused {
                tracing::warn!("ingest.drain_paused: acknowledged records stay in the spool until a start without it");
                None
            } else {
                Some(tokio::spawn(drainer.run(shutdown_rx)))
            };
            (Ingestor::Spool { spool: spool.clone(), metrics: metrics.clone(), resident }, Some(spool), handle)
        }
        IngestMode::Direct => {
            (Ingestor::Direct { store: store.clone(), metrics: metrics.clone(), hook: Some(events.clone()) }, None, None)
        }
    })
}

type OutboxParts = (Arc<Outbox>, Arc<EventPublisher>, (watch::Sender<bool>, JoinHandle<()>));

/// Opens the outbox (`data_dir/outbox.redb`) and starts its delivery worker.
fn start_outbox(settings: &Settings, store: &store::DynStore, metrics: &Arc<Metrics>) -> anyhow::Result<OutboxParts> {
    let timeout = Duration::from_secs(settings.outbox.timeout_secs.max(1));
    let policy = Arc::new(crate::outbox::address::OutboundPolicy::new(settings.outbox.allowed_networks.clone()));
    if !settings.outbox.allowed_networks.is_empty() {
        let networks: Vec<String> = settings.outbox.allowed_networks.iter().map(ToString::to_string).collect();
        tracing::info!(networks = %networks.join(", "), "webhooks may reach these internal networks (outbox.allowed_networks)");
    }
    let transports = Transports::new(&settings.smtp, timeout, policy, store.clone()).context("setting up webhook and SMTP delivery")?;
    if !transports.smtp_configured() {
        tracing::info!("SMTP is not configured (smtp.host): e-mails wait in the outbox");
    }
    let path = settings.data_dir.join("outbox.redb");
    let outbox = Outbox::open(&path, &settings.outbox, transports.smtp_configured(), store.clone(), metrics.clone())?;
    let events = Arc::new(EventPublisher {
        store: store.clone(),
        outbox: outbox.clone(),
        public_url: Default::default(),
        alert_budget: crate::outbox::AlertBudget::new(settings.outbox.alert_emails_per_hour, settings.limits.collectors),
    });
    let worker = Worker {
        outbox: outbox.clone(),
        transports,
        store: store.clone(),
        settings: settings.outbox.clone(),
        metrics: metrics.clone(),
    };
    let (stop, stop_rx) = watch::channel(false);
    let handle = tokio::spawn(worker.run(stop_rx));
    Ok((outbox, events, (stop, handle)))
}

/// Forgets rate-limit state of idle keys and ended sign-in windows, so both stay small; counts
/// the users held in memory.
fn spawn_housekeeping(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Some(resident) = state.ingestor.resident() {
                state.metrics.resident_users.set(i64::try_from(resident.users()).unwrap_or(i64::MAX));
            }
            state.limits.forget_idle();
            state.events.alert_budget.forget_idle();
            if let Err(error) = state.sign_in.forget_ended(crate::clock::now_ms()).await {
                tracing::warn!(%error, "could not delete ended sign-in windows");
            }
        }
    });
}
