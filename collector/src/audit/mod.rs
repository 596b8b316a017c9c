//! The audit log (issue #12): every admin write, every export and every read of protected
//! answers is recorded append-only with who, what, when and from where.
//!
//! One middleware, [`record`], wraps the whole admin API: it runs after the handler answered,
//! so no handler can skip it, and it decides from the request alone whether and what to
//! record (see [`entry`]). Two things only the request's processing knows reach it through an
//! [`AuditNote`] the middleware puts in the request's extensions:
//! - the authenticated actor, noted by the `AdminSession` extractor (and by sign-in), and
//! - protected reads, noted by the disclosure layer when it decides a protected universe.
//!
//! A request with no actor (no valid session, not a successful sign-in) is recorded only if it
//! is a sign-in that checked a password, or an entry point for people without a session that
//! did something (`entry::kind`): anyone can send requests, and entries are kept forever, so
//! anonymous noise (probes, unknown routes, 401s, locked-out sign-ins) must not become rows.
//!
//! An entry never holds a request body, a password, a token, a query's free text or a
//! respondent's identifier: only the method and route pattern, allow-listed path parameters,
//! the export format, the survey and wave of protected reads, the status, the peer address and
//! a bounded user agent.
//!
//! When the insert fails (database down), the failure is logged as an error and counted in
//! `nps_audit_failures_total`. A write has already happened by then: its answer is kept, since
//! a client told "failed" would retry a change that was made. A read that discloses (an
//! export, a protected read, the audit log itself) is answered 503 instead: nothing protected
//! leaves the collector without its audit entry.

pub mod entry;
pub mod verify;

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, ResponseError, web};
use nps_core::wire::{AdminRole, AuditKind};
use std::sync::{Arc, Mutex};

/// The prefix of every recorded route.
pub const ADMIN_PREFIX: &str = "/api/admin";

/// Who made the request, as authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub email: String,
    pub role: AdminRole,
}

#[derive(Debug, Default)]
struct Noted {
    actor: Option<Actor>,
    /// (survey id, wave) of every protected universe the request read.
    reads: Vec<(i64, u32)>,
}

/// What the request's processing tells the audit middleware. Cloning shares it: the session
/// extractor keeps a clone in the `AdminSession`, so the disclosure layer can note reads.
#[derive(Debug, Clone, Default)]
pub struct AuditNote(Arc<Mutex<Noted>>);

impl AuditNote {
    /// The note of this request, or a detached one outside the admin API.
    pub fn of(req: &HttpRequest) -> Self {
        req.extensions().get::<AuditNote>().cloned().unwrap_or_default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Noted) -> T) -> T {
        // A poisoned lock only means another holder panicked; the data is still usable.
        let mut noted = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut noted)
    }

    pub fn actor(&self, actor: Actor) {
        self.with(|n| n.actor = Some(actor));
    }

    /// A protected universe (survey, wave) was read.
    pub fn protected_read(&self, survey_id: i64, wave: u32) {
        self.with(|n| {
            if !n.reads.contains(&(survey_id, wave)) {
                n.reads.push((survey_id, wave));
            }
        });
    }

    fn take(&self) -> (Option<Actor>, Vec<(i64, u32)>) {
        self.with(|n| (n.actor.clone(), n.reads.clone()))
    }
}

fn is_admin_path(path: &str) -> bool {
    path == ADMIN_PREFIX || path.starts_with("/api/admin/")
}

/// The middleware around the admin API: records the entry after the handler answered.
pub async fn record(req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !is_admin_path(req.path()) {
        return next.call(req).await;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let note = AuditNote::default();
    req.extensions_mut().insert(note.clone());
    let request = entry::RequestFacts::of(req.request());
    let response = next.call(req).await;
    let (actor, reads) = note.take();
    let (status, params, actor) = match &response {
        Ok(r) => {
            let status = r.status().as_u16();
            // Refused 401 with nobody noted: a revoked session still names its user.
            let actor = actor.or_else(|| if status == 401 { entry::signed_user(r.request()) } else { None });
            (status, entry::path_params(r.request()), actor)
        }
        Err(e) => (e.as_response_error().status_code().as_u16(), Vec::new(), actor),
    };
    let Some((kind, record)) = entry::entry(&request, actor, &reads, &params, status) else {
        return response;
    };
    match state.store.append_audit(&record).await {
        Ok((seq, hash)) => {
            tracing::debug!(seq, hash = %hash, action = %record.action, "audit entry appended");
            response
        }
        Err(e) => {
            state.metrics.audit_failures.inc();
            tracing::error!(error = %e, action = %record.action, status, "the audit entry could not be written");
            withhold_unaudited(kind, response)
        }
    }
}

/// A successful disclosing read whose entry failed is answered 503 instead (see the module
/// documentation); anything else keeps its answer.
fn withhold_unaudited(
    kind: AuditKind,
    response: Result<ServiceResponse<BoxBody>, actix_web::Error>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let disclosing = matches!(kind, AuditKind::Export | AuditKind::ProtectedRead | AuditKind::AuditRead);
    match response {
        Ok(r) if disclosing && r.status().is_success() => {
            let (req, _) = r.into_parts();
            let error = ApiError::Unavailable(anyhow::anyhow!("the audit log cannot be written"));
            Ok(ServiceResponse::new(req, error.error_response()))
        }
        other => other,
    }
}
