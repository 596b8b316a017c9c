//! The screens of the app.

pub mod account;
pub mod alerts;
pub mod accounts;
pub mod audit;
pub mod campaign_delivery;
pub mod campaigns;
pub mod data_requests;
pub mod dimensions;
pub mod explain;
pub mod followup_policy;
pub mod followups;
pub mod lazy;
pub mod partners;
pub mod projects;
pub mod report;
pub mod responses;
pub mod revenue;
pub mod risk;
pub mod segments;
pub mod sign_in;
pub mod single_use_link;
pub mod survey_editor;
pub mod themes;
pub mod timeline;
pub mod users;
pub mod webhooks;
