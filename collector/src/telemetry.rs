//! Structured logs through `tracing`: pretty for people, JSON for machines.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str, filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `try_init` so that tests which build several applications in one process do not panic.
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
