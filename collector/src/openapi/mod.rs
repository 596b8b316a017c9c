//! The OpenAPI document, generated from the handlers' annotations, served at `/openapi.json`;
//! the 405 answers are derived from it (`methods.rs`). It sits above the handlers it lists: no
//! handler imports it (what they share is in `crate::contract`).

mod methods;
#[cfg(test)]
mod tests;

pub use methods::allowed_methods;

use crate::routes::{admin, client, ops};
use crate::contract::Contract;
use actix_web::{HttpResponse, get, web};
use utoipa::OpenApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(document);
}

#[get("/openapi.json")]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&Contract),
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
        admin::invitations::list_users,
        admin::invitations::invite,
        admin::invitations::check,
        admin::invitations::accept,
        admin::users::set_status,
        admin::users::set_role,
        admin::users::delete_user,
        admin::users::create_reset_link,
        admin::passwords::check_reset,
        admin::passwords::use_reset,
        admin::passwords::change_own,
        admin::campaign_list::list,
        admin::campaigns::create,
        admin::campaigns::get_one,
        admin::campaigns::add_recipients,
        admin::campaigns::links,
        admin::campaign_mail::set_delivery,
        admin::campaign_mail::send_now,
        admin::campaign_mail::get_status,
        admin::projects::list,
        admin::projects::create,
        admin::projects::get_one,
        admin::projects::update,
        admin::projects::rotate_secret,
        admin::projects::activity,
        admin::data_rights::erase,
        admin::data_rights::export,
        admin::data_rights::run_retention,
        admin::themes::get_taxonomy,
        admin::themes::put_taxonomy,
        admin::themes::themes_report,
        admin::surveys::list,
        admin::surveys::create,
        admin::surveys::get_one,
        admin::surveys::update,
        admin::responses::list,
        admin::responses::dead_letters,
        admin::reports::nps_report,
        admin::reports::segment_report,
        admin::reports::compare,
        admin::comments::comments,
        admin::report_counts::list_dimensions,
        admin::report_counts::declare_dimension,
        admin::report_counts::drop_dimension,
        admin::accounts::account_rollups,
        admin::coverage::partner_coverage_report,
        admin::partners::upsert,
        admin::partners::list,
        admin::followup_policy::get_policy,
        admin::followups::set_policy,
        admin::followups::queue,
        admin::followups::update,
        admin::followups::metrics,
        admin::webhooks::list,
        admin::webhooks::create,
        admin::webhooks::get_one,
        admin::webhooks::update,
        admin::webhooks::remove,
        admin::webhooks::rotate_secret,
        admin::webhooks::send_test,
        admin::webhooks::get_alert_policy,
        admin::webhooks::set_alert_policy,
        admin::webhooks::deliveries,
        admin::business::import,
        admin::business::list,
        admin::risk::at_risk_list,
        admin::risk::account_timeline,
        admin::revenue::revenue_report,
        admin::actions::create,
        admin::actions::list,
        admin::actions::get_one,
        admin::actions::update,
        admin::actions::remove,
        admin::actions::recent,
        admin::eligibility::explain,
        admin::eligibility::exclusions,
        admin::audit::list,
        admin::audit::export_csv,
        admin::audit::verify,
    ),
    tags((name = "client", description = "Called by the widget; CORS from the project's allowed origins"),
         (name = "admin", description = "Called by the admin app; session cookie + CSRF or bearer token"),
         (name = "ops", description = "Health and readiness"))
)]
pub struct ApiDoc;
