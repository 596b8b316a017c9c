//! Every route of the collector, in one place (used by the server and by in-process tests).

pub mod admin;
pub mod assets;
pub mod client;
pub mod hosted;
pub mod ops;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(ops::configure).configure(client::configure).configure(admin::configure).configure(assets::configure)
        .configure(hosted::configure);
}
