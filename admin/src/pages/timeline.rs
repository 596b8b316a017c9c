//! One account over time (`/admin/projects/{id}/account?id=<account>`): its NPS per wave with
//! the interval and the change against the wave before, why it is at risk (with the evidence),
//! its business data, and every answer it gave. Reached from the accounts at risk.

use crate::api;
use crate::components::interval_bar::{IntervalBar, interval_head};
use crate::components::page::{Card, ProjectCrumbs};
use crate::components::resource_view;
use crate::components::table::{Col, ListTable};
use crate::pages::revenue::money;
use crate::pages::risk::reason_text;
use crate::{Link, Route, fmt};
use leptos::prelude::*;
use nps_core::churn::WaveNps;
use nps_core::wire::{AccountTimelineReport, BusinessView, TimelineAnswer};

/// The account named by the page's `?id=` (empty when there is none).
fn account_in_location() -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("id="))
        .and_then(|v| js_sys::decode_uri_component(v).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// A link to an account's timeline.
#[component]
pub fn AccountLink(project_id: i64, account: String) -> impl IntoView {
    let query = format!("?id={}", api::encode(&account));
    view! { <Link route=Route::Timeline(project_id) query=query>{account}</Link> }
}

#[component]
pub fn Timeline(project_id: i64) -> impl IntoView {
    let account = account_in_location();
    let requested = account.clone();
    let report = LocalResource::new(move || {
        let requested = requested.clone();
        async move { api::account_timeline(project_id, &requested).await.map_err(|e| e.message) }
    });
    view! {
        <ProjectCrumbs project_id=project_id>" / "<Link route=Route::AtRisk(project_id)>"Accounts at risk"</Link></ProjectCrumbs>
        <h1 data-testid="account-name">{format!("Account {account}")}</h1>
        {resource_view(report, |r| view! { <TimelineCards report=r /> })}
    }
}

#[component]
fn TimelineCards(report: AccountTimelineReport) -> impl IntoView {
    let AccountTimelineReport {
        wave,
        waves,
        reasons,
        risk_score,
        business,
        answers,
        ..
    } = report;
    let risk = if reasons.is_empty() {
        "No risk signal.".to_owned()
    } else {
        format!("Risk score {risk_score:.0}")
    };
    view! {
        <Card title="Risk" title_id="risk-title">
            <p data-testid="account-risk">{risk}</p>
            {(!reasons.is_empty()).then(|| view! {
                <ul class="reasons" data-testid="account-reasons">{reasons.iter().map(|r| view! { <li>{reason_text(r)}</li> }).collect_view()}</ul>
            })}
            {business.map(|b| view! { <BusinessFacts business=b /> })}
        </Card>
        <Card title=format!("NPS per wave ({wave})") title_id="waves-title">
            <WavesTable waves=waves />
        </Card>
        <Card title=format!("Answers ({})", answers.len()) title_id="answers-title">
            <AnswersTable answers=answers />
        </Card>
    }
}

#[component]
fn BusinessFacts(business: BusinessView) -> impl IntoView {
    let cents = |v: Option<f64>| v.map(|v| (v * 100.0).round() as i64);
    view! {
        <dl class="facts" data-testid="account-business">
            <dt>"MRR"</dt><dd>{money(cents(business.mrr).or_else(|| cents(business.arr.map(|a| a / 12.0))))}</dd>
            <dt>"Plan"</dt><dd>{business.plan.unwrap_or_else(|| "-".to_owned())}</dd>
            <dt>"Owner"</dt><dd>{business.owner.unwrap_or_else(|| "-".to_owned())}</dd>
            <dt>"Renewal"</dt><dd>{business.renewal_date.unwrap_or_else(|| "-".to_owned())}</dd>
            <dt>"Churned"</dt><dd>{if business.churned { business.churn_date.unwrap_or_else(|| "yes".to_owned()) } else { "no".to_owned() }}</dd>
        </dl>
    }
}

#[component]
fn WavesTable(waves: Vec<WaveNps>) -> impl IntoView {
    if waves.is_empty() {
        return view! { <p class="muted">"No answers from this account yet."</p> }.into_any();
    }
    view! {
        <ListTable testid="waves-table" scroll=true
            cols=&[Col::Text("Wave"), Col::Num("NPS"), Col::View(interval_head), Col::Num("Answers"), Col::Num("Change")]>
            {waves.into_iter().map(|w| view! {
                <tr data-wave=w.wave.clone()>
                    <th scope="row">{w.wave.clone()}</th>
                    <td class="num" data-testid="wave-nps">{fmt::points(w.nps)}</td>
                    <td><IntervalBar nps=w.nps low=w.interval.low high=w.interval.high significant=false /></td>
                    <td class="num" data-testid="wave-answers">{w.answers}</td>
                    <td class="num">{w.change.map_or_else(|| "-".to_owned(), |c| format!("{c:+.0}"))}</td>
                </tr>
            }).collect_view()}
        </ListTable>
    }
    .into_any()
}

#[component]
fn AnswersTable(answers: Vec<TimelineAnswer>) -> impl IntoView {
    let band = |score: u8| match score {
        0..=6 => "detractor",
        7..=8 => "passive",
        _ => "promoter",
    };
    view! {
        <ListTable testid="account-answers" scroll=true
            cols=&[Col::Text("Answered (UTC)"), Col::Text("User"), Col::Text("Role"), Col::Num("Score"), Col::Text("Band")]>
            {answers.into_iter().rev().map(|a| view! {
                <tr>
                    <td>{fmt::date_time(a.at)}</td>
                    <td>{a.user_id}</td>
                    <td>{a.role.unwrap_or_default()}</td>
                    <td class="num">{a.score}</td>
                    <td><span class=format!("band {}", band(a.score))>{band(a.score)}</span></td>
                </tr>
            }).collect_view()}
        </ListTable>
    }
}
