//! The NPS collector: client API, durable ingestion, admin API and operations.

pub mod activity;
pub mod auth;
pub mod cache;
pub mod campaign;
pub mod config;
pub mod contract;
pub mod csv_safe;
pub mod disclosure;
pub mod error;
pub mod extract;
pub mod guard;
pub mod ingest;
pub mod metrics;
pub mod openapi;
pub mod outbox;
pub mod private_files;
pub mod ratelimit;
pub mod resident;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod validate;
