//! Prometheus metrics, served on `/metrics`.

use actix_web::http::Method;
use prometheus::{Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    pub accepted: IntCounterVec,
    pub spool_commits: IntCounter,
    pub spool_group_size: Histogram,
    pub spool_depth: IntGauge,
    pub drained: IntCounter,
    pub drain_failures: IntCounter,
    pub dead_letters: IntCounter,
    pub http_duration: HistogramVec,
    pub outbox_pending: IntGauge,
    pub outbox_attempts: IntCounterVec,
    pub outbox_failed: IntCounterVec,
    pub audit_failures: IntCounter,
    pub resident_users: IntGauge,
    pub alert_emails_held: IntCounter,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: T) -> T {
    // Names are static and unique, so registration cannot collide.
    let _ = registry.register(Box::new(metric.clone()));
    metric
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let accepted = register(
            &registry,
            IntCounterVec::new(Opts::new("nps_ingest_accepted_total", "Writes acknowledged, by kind"), &["kind"])?,
        );
        let spool_commits = register(&registry, IntCounter::new("nps_spool_commits_total", "Durable spool commits (fsyncs)")?);
        let spool_group_size = register(
            &registry,
            Histogram::with_opts(
                HistogramOpts::new("nps_spool_group_size", "Writes carried by one spool commit")
                    .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 4096.0]),
            )?,
        );
        let spool_depth = register(&registry, IntGauge::new("nps_spool_depth", "Records waiting in the spool")?);
        let drained = register(&registry, IntCounter::new("nps_drained_total", "Records moved from the spool into SQL")?);
        let drain_failures =
            register(&registry, IntCounter::new("nps_drain_failures_total", "Drain attempts that failed and will be retried")?);
        let dead_letters =
            register(&registry, IntCounter::new("nps_dead_letters_total", "Records the database refused, kept with the reason")?);
        let http_duration = register(
            &registry,
            HistogramVec::new(
                HistogramOpts::new("nps_http_request_duration_seconds", "HTTP request latency")
                    .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
                &["method", "status"],
            )?,
        );
        let outbox_pending = register(&registry, IntGauge::new("nps_outbox_pending", "Webhooks and e-mails waiting in the outbox")?);
        let outbox_attempts = register(
            &registry,
            IntCounterVec::new(
                Opts::new("nps_outbox_attempts_total", "Delivery attempts, by channel and result (delivered, retrying, failed)"),
                &["channel", "status"],
            )?,
        );
        let outbox_failed = register(
            &registry,
            IntCounterVec::new(Opts::new("nps_outbox_failed_total", "Messages given up after their last attempt"), &["channel"])?,
        );
        let audit_failures =
            register(&registry, IntCounter::new("nps_audit_failures_total", "Audit entries that could not be written")?);
        let resident_users = register(
            &registry,
            IntGauge::new("nps_resident_users", "Users whose eligibility facts are in memory (refreshed every minute)")?,
        );
        let alert_emails_held = register(
            &registry,
            IntCounter::new("nps_alert_emails_held_total", "Alert e-mails not sent: the address had its hourly allowance")?,
        );
        Ok(Self { registry, accepted, spool_commits, spool_group_size, spool_depth, drained, drain_failures, dead_letters, http_duration,
            outbox_pending, outbox_attempts, outbox_failed, audit_failures, resident_users, alert_emails_held })
    }

    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let encoder = TextEncoder::new();
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %e, "could not encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// A request's method as a label: the standard methods (RFC 9110's, and PATCH) by name, any
/// other as `other`. Each distinct label value is a series kept for the life of the process,
/// and a client may send any token as a method: labelled verbatim, a script inventing methods
/// grew `/metrics` and memory without bound.
pub fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for invented in ["FOO", "get", "X-123", "PROPFIND"] {
            let method = Method::from_bytes(invented.as_bytes()).expect("a valid token");
            assert_eq!(method_label(&method), "other", "{invented}");
        }
    }
}
