//! The answers of one survey, filtered, with CSV and XLSX exports of exactly the same selection.

use crate::api::{self, ResponseFilters};
use crate::pages::report::{SurveyTabs, range};
use crate::{Route, fmt};
use crate::components::date_range::date_range_fields;
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
    let apply = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        rows.refetch();
    };
    view! {
        <SurveyTabs survey_id=survey_id current=Route::Responses(survey_id) survey=survey />
        <form class="filters card" on:submit=apply aria-label="Filters">
            <label class="field inline"><span>"Band"</span>
                <select name="band" prop:value=move || band.get() on:change=move |ev| band.set(event_target_value(&ev))>
                    <option value="">"all"</option>
                    <option value="promoter">"promoters"</option>
                    <option value="passive">"passives"</option>
                    <option value="detractor">"detractors"</option>
                </select>
            </label>
            <label class="field inline"><span>"Comment"</span>
                <select name="has_comment" prop:value=move || has_comment.get() on:change=move |ev| has_comment.set(event_target_value(&ev))>
                    <option value="">"any"</option>
                    <option value="yes">"with a comment"</option>
                    <option value="no">"without"</option>
                </select>
            </label>
            <label class="field inline"><span>"Comment contains"</span>
                <input type="search" name="q" prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev)) />
            </label>
            {date_range_fields(from, to)}
            <button type="submit">"Apply"</button>
            <a class="button secondary" href=move || filters().url(true) download="responses.csv" data-testid="export-csv">"Export CSV"</a>
            <a class="button secondary" href=move || filters().xlsx_url() download="responses.xlsx" data-testid="export-xlsx">"Export XLSX"</a>
        </form>
        <Transition fallback=crate::components::loading>{move || match rows.get() {
            None => crate::components::loading().into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="muted card">"No answers match these filters."</p> }.into_any(),
            Some(Ok(list)) => view! { <ResponsesTable list=list /> }.into_any(),
        }}</Transition>
    }
}

/// The answers matching the filters, newest first (the first 500; the exports hold them all).
#[component]
fn ResponsesTable(list: Vec<ResponseRow>) -> impl IntoView {
    let count = list.len();
    view! {
        <section class="card">
            <p class="muted">{format!("{count} answers (newest first{})", if count >= 500 { ", first 500 shown; export for all" } else { "" })}</p>
            <div class="table-scroll">
                <table class="list responses" data-testid="responses-table">
                    <thead><tr>
                        <th scope="col">"Date (UTC)"</th><th scope="col">"Score"</th><th scope="col">"Band"</th>
                        <th scope="col">"Comment"</th><th scope="col">"User"</th><th scope="col">"Account"</th><th scope="col">"Attributes"</th>
                    </tr></thead>
                    <tbody>{list.into_iter().map(|r| view! { <ResponseRowView row=r /> }).collect_view()}</tbody>
                </table>
            </div>
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
