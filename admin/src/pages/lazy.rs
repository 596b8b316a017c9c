//! The screens a first visit does not need, each group compiled into a WASM chunk of its own:
//! `xtask/src/admin.rs` splits the module at these `#[lazy]` functions (as cargo-leptos does
//! with `--split`), and a group's chunk is fetched the first time one of its screens opens.
//! The sign-in form, the project list and a project's page stay in the main module. Code that
//! several groups use lands in a shared chunk; natively (unit tests) the calls are direct.

use crate::Route;
use crate::pages;
use crate::pages::single_use_link::{LinkKind, SingleUseLink};
use leptos::prelude::*;

/// The survey editor (new and existing surveys).
#[lazy]
pub fn survey_screen(route: Route) -> AnyView {
    match route {
        Route::NewSurvey(project_id) => {
            view! { <pages::survey_editor::SurveyEditor project_id=project_id survey_id=None /> }
                .into_any()
        }
        Route::Survey(id) => {
            view! { <pages::survey_editor::SurveyEditor project_id=0 survey_id=Some(id) /> }
                .into_any()
        }
        _ => ().into_any(),
    }
}

/// A survey's report (with segments, accounts and explain) and its responses.
#[lazy]
pub fn report_screen(route: Route) -> AnyView {
    match route {
        Route::Report(id) => view! { <pages::report::Report survey_id=id /> }.into_any(),
        Route::Responses(id) => view! { <pages::responses::Responses survey_id=id /> }.into_any(),
        _ => ().into_any(),
    }
}

/// A project's programme tools: follow-ups, accounts at risk and their timelines, revenue,
/// partners, webhooks, data requests, comment themes.
#[lazy]
pub fn programme_screen(route: Route) -> AnyView {
    match route {
        Route::FollowUps(id) => view! { <pages::followups::FollowUps project_id=id /> }.into_any(),
        Route::AtRisk(id) => view! { <pages::risk::AtRisk project_id=id /> }.into_any(),
        Route::Revenue(id) => view! { <pages::revenue::Revenue project_id=id /> }.into_any(),
        Route::Timeline(id) => view! { <pages::timeline::Timeline project_id=id /> }.into_any(),
        Route::Partners(id) => view! { <pages::partners::Partners project_id=id /> }.into_any(),
        Route::Webhooks(id) => view! { <pages::webhooks::Webhooks project_id=id /> }.into_any(),
        Route::DataRequests(id) => view! { <pages::data_requests::DataRequests project_id=id /> }.into_any(),
        Route::Taxonomy(id) => view! { <pages::taxonomy::TaxonomyEditor project_id=id /> }.into_any(),
        _ => ().into_any(),
    }
}

/// Link campaigns: a survey's campaigns and one campaign's page.
#[lazy]
pub fn campaign_screen(route: Route) -> AnyView {
    match route {
        Route::NewCampaign(id) => {
            view! { <pages::campaigns::NewCampaign survey_id=id /> }.into_any()
        }
        Route::Campaign(id) => view! { <pages::campaigns::CampaignPage id=id /> }.into_any(),
        _ => ().into_any(),
    }
}

/// People and access: users, the audit log, one's own account, invitation and reset links.
#[lazy]
pub fn people_screen(route: Route) -> AnyView {
    match route {
        Route::Users => view! { <pages::users::Users /> }.into_any(),
        Route::Account => view! { <pages::account::Account /> }.into_any(),
        Route::Audit => view! { <pages::audit::AuditLog /> }.into_any(),
        Route::Accept => view! { <SingleUseLink kind=LinkKind::Invitation /> }.into_any(),
        Route::Reset => view! { <SingleUseLink kind=LinkKind::Reset /> }.into_any(),
        _ => ().into_any(),
    }
}
