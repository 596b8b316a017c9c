//! Structured logs through `tracing`: pretty for people, JSON for machines.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str, filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `try_init` so that tests which build several applications in one process do not panic.
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}

/// Paths that carry a secret (a personal survey link, a password-reset link) are logged without
/// it: whoever reads the log could otherwise answer in the recipient's place (and the link's
/// readable part names the recipient), or set an admin's password.
fn loggable(path: &str) -> &str {
    for (prefix, redacted) in [("/s/", "/s/(personal link)"), ("/api/admin/password-resets/", "/api/admin/password-resets/(link)")] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return redacted;
        }
    }
    path
}

/// The span around every HTTP request: method, path and status only.
///
/// tracing-actix-web's default span carries about fifteen fields, a fresh UUID per request and
/// `http.route`, which actix resolves by matching the path against every route pattern a second
/// time; together that cost as much as the rest of handling a client write. Errors are logged
/// by `ApiError` with their cause, so the span does not need to carry them.
pub struct LeanRootSpan;

impl tracing_actix_web::RootSpanBuilder for LeanRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        // The path is the client's: log at most its first 200 bytes (a 16 KB path would
        // otherwise be copied into every line logged during the request).
        let path = crate::activity::bounded(loggable(request.path()));
        tracing::info_span!("http", method = %request.method(), path = %path, status = tracing::field::Empty)
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_paths_are_not_logged() {
        assert_eq!(super::loggable("/s/eyJhbGciOi.eyJzdWIiOiJyMSJ9.sig"), "/s/(personal link)");
        assert_eq!(super::loggable("/api/admin/password-resets/abc.def.ghi"), "/api/admin/password-resets/(link)");
        assert_eq!(super::loggable("/v1/p/pk_x/responses"), "/v1/p/pk_x/responses");
        assert_eq!(super::loggable("/s/"), "/s/");
    }
}
