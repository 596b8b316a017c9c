//! The answers of one survey, filtered, with CSV and XLSX exports of exactly the same selection.

use crate::api::{self, ResponseFilters};
use crate::pages::report::{SurveyTabs, range};
use crate::{Route, fmt};
use crate::components::date_range::date_range_fields;
use crate::components::fields::{SelectField, TextField};
use crate::components::{on_submit, resource_view};
use crate::components::table::{Col, ListTable};
use leptos::prelude::*;
use nps_core::wire::ResponseRow;

#[component]
pub fn Responses(survey_id: i64) -> impl IntoView {
    let survey = crate::pages::report::survey_of(survey_id);
    let band = RwSignal::new(String::new());
    let has_comment = RwSignal::new(String::new());
    let q = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let filters = move || {
        let (f, t) = range(&from.get(), &to.get());
        ResponseFilters {
            survey_id,
            from: f,
            to: t,
            band: band.get(),
            has_comment: match has_comment.get().as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            q: q.get().trim().to_owned(),
        }
    };
    // The filters apply when the form is submitted (the fields are read untracked).
    let rows = LocalResource::new(move || {
        let f = untrack(filters);
        async move { api::responses(&f).await.map_err(|e| e.message) }
    });
    let apply = on_submit(move || {
        rows.refetch();
    });
    view! {
        <SurveyTabs survey_id=survey_id current=Route::Responses(survey_id) survey=survey />
        <form class="filters card" on:submit=apply aria-label="Filters">
            <SelectField label="Band" name="band" value=band options=&[("", "all"), ("promoter", "promoters"), ("passive", "passives"), ("detractor", "detractors")] />
            <SelectField label="Comment" name="has_comment" value=has_comment options=&[("", "any"), ("yes", "with a comment"), ("no", "without")] />
            <TextField label="Comment contains" name="q" value=q kind="search" class="field inline" />
            {date_range_fields(from, to)}
            <button type="submit">"Apply"</button>
            <a class="button secondary" href=move || filters().url(true) download="responses.csv" data-testid="export-csv">"Export CSV"</a>
            <a class="button secondary" href=move || filters().xlsx_url() download="responses.xlsx" data-testid="export-xlsx">"Export XLSX"</a>
        </form>
        {resource_view(rows, |list| match list.is_empty() {
            true => view! { <p class="muted card">"No answers match these filters."</p> }.into_any(),
            false => view! { <ResponsesTable list=list /> }.into_any(),
        })}
    }
}

const RESPONSE_COLS: &[Col] = &[Col::Text("Date (UTC)"), Col::Text("Score"), Col::Text("Band"), Col::Text("Comment"), Col::Text("User"),
    Col::Text("Account"), Col::Text("Attributes")];

/// The answers matching the filters, newest first (the first 500; the exports hold them all).
#[component]
fn ResponsesTable(list: Vec<ResponseRow>) -> impl IntoView {
    let count = list.len();
    view! {
        <section class="card">
            <p class="muted">{format!("{count} answers (newest first{})", if count >= 500 { ", first 500 shown; export for all" } else { "" })}</p>
            <ListTable testid="responses-table" class="list responses" scroll=true cols=RESPONSE_COLS>
                {list.into_iter().map(|r| view! { <ResponseRowView row=r /> }).collect_view()}
            </ListTable>
        </section>
    }
}

#[component]
fn ResponseRowView(row: ResponseRow) -> impl IntoView {
    let r = row;
    let band = r.band.map(|b| b.as_str()).unwrap_or("");
    let attrs = r
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
        .collect::<Vec<_>>()
        .join(", ");
    let account = match (&r.account_id, &r.role) {
        (Some(a), Some(role)) => format!("{a} ({role})"),
        (Some(a), None) => a.clone(),
        _ => String::new(),
    };
    view! {
        <tr>
            <td>{fmt::date_time(r.created_at)}</td>
            <td class="num">{r.score.map(|s| s.to_string()).unwrap_or_default()}</td>
            <td><span class=format!("band {band}")>{band}</span></td>
            <td class="comment">{r.comment.clone().unwrap_or_default()}</td>
            <td>{r.user_id.clone()}</td>
            <td>{account}</td>
            <td class="attrs">{attrs}</td>
        </tr>
    }
}
