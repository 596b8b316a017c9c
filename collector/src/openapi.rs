//! The OpenAPI document, generated from the handlers' annotations.

use crate::routes::{admin, client, ops};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "NPS collector", description = "Client API for the widget, admin API, operations."),
    paths(
        ops::healthz,
        ops::readyz,
        client::config,
        client::identify,
        client::decide,
        client::display,
        client::response,
        client::complete,
        client::feedback,
        admin::auth::bootstrap,
        admin::auth::sign_in,
        admin::auth::sign_out,
        admin::auth::whoami,
        admin::auth::create_user,
        admin::campaigns::create,
        admin::campaigns::get_one,
        admin::campaigns::add_recipients,
        admin::campaigns::links,
        admin::projects::list,
        admin::projects::create,
        admin::projects::get_one,
        admin::projects::update,
        admin::projects::rotate_secret,
        admin::surveys::list,
        admin::surveys::create,
        admin::surveys::get_one,
        admin::surveys::update,
        admin::responses::list,
        admin::responses::dead_letters,
        admin::reports::nps_report,
        admin::reports::segment_report,
        admin::reports::compare,
        admin::accounts::account_rollups,
        admin::coverage::partner_coverage_report,
        admin::partners::upsert,
        admin::partners::list,
        admin::followups::set_policy,
        admin::followups::queue,
        admin::followups::update,
        admin::followups::metrics,
        admin::eligibility::explain,
        admin::eligibility::exclusions,
    ),
    tags((name = "client", description = "Called by the widget; CORS from the project's allowed origins"),
         (name = "admin", description = "Called by the admin app; session cookie + CSRF or bearer token"),
         (name = "ops", description = "Health and readiness"))
)]
pub struct ApiDoc;
