//! The admin API under `/api/admin`: sessions, users, projects, surveys, answers and reports.
//! Every handler takes an [`AdminSession`](crate::auth::AdminSession), and roles are enforced
//! here, not only hidden in the UI.

pub mod account_source;
pub mod accounts;
pub mod actions;
pub mod audit;
pub mod auth;
pub mod business;
pub mod campaign_list;
pub mod campaign_mail;
pub mod campaigns;
pub mod comments;
pub mod coverage;
pub mod data_rights;
pub mod eligibility;
pub mod export_xlsx;
pub mod followup_policy;
pub mod followups;
pub mod invitations;
pub mod partners;
pub mod passwords;
pub mod projects;
pub mod report_counts;
pub mod reports;
pub mod responses;
pub mod revenue;
pub mod risk;
pub mod surveys;
pub mod themes;
pub mod users;
pub mod webhooks;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    accounts::configure(cfg);
    actions::configure(cfg);
    audit::configure(cfg);
    business::configure(cfg);
    risk::configure(cfg);
    revenue::configure(cfg);
    auth::configure(cfg);
    campaign_list::configure(cfg);
    campaign_mail::configure(cfg);
    campaigns::configure(cfg);
    comments::configure(cfg);
    coverage::configure(cfg);
    data_rights::configure(cfg);
    eligibility::configure(cfg);
    followup_policy::configure(cfg);
    followups::configure(cfg);
    invitations::configure(cfg);
    partners::configure(cfg);
    passwords::configure(cfg);
    projects::configure(cfg);
    surveys::configure(cfg);
    themes::configure(cfg);
    users::configure(cfg);
    webhooks::configure(cfg);
    responses::configure(cfg);
    reports::configure(cfg);
    report_counts::configure(cfg);
}
