//! The follow-up queue of a project (oldest due first) with the loop metrics above it: who owns
//! each follow-up, when it is due, overdue ones highlighted, and a status change with a note.

use crate::api;
use crate::components::page::{Card, Kpi, ProjectCrumbs};
use crate::components::table::{Col, ListTable};
use crate::components::{ErrorBox, list_view, on_submit, resource_view};
use crate::fmt;
use leptos::prelude::*;
use nps_core::followup::{FollowUpItem, FollowUpStatus, FollowUpUpdate, LoopMetrics};
use nps_core::wire::CommentText;

fn status_label(s: FollowUpStatus) -> &'static str {
    match s {
        FollowUpStatus::New => "new",
        FollowUpStatus::Contacted => "contacted",
        FollowUpStatus::Resolved => "resolved",
        FollowUpStatus::WontFix => "won't fix",
    }
}

fn hours(h: Option<f64>) -> String {
    h.map_or_else(|| "-".to_owned(), |h| format!("{h:.1} h"))
}

#[component]
fn Metrics(m: LoopMetrics) -> impl IntoView {
    view! {
        <div class="kpis" data-testid="loop-metrics">
            <Kpi class="kpi big" label="Loop closure rate" value=fmt::rate(m.closure_rate) testid="closure-rate"
                sub=format!("{} of {} detractors contacted within the SLA", m.contacted_within_sla, m.detractors_due) />
            <Kpi label="Median time to contact" value=hours(m.median_hours_to_contact) testid="time-to-contact" sub="from answer to first contact" />
            <Kpi class="kpi detractor" label="Overdue" value=m.overdue.to_string() testid="overdue-count" sub="not contacted, past due" />
            <Kpi class="kpi promoter" label="Recovery rate" value=fmt::rate(m.recovery_rate) testid="recovery-rate"
                sub=format!("{} of {} detractors who answered again are no longer detractors", m.recovered, m.detractors_with_next_answer) />
        </div>
    }
}

const QUEUE_COLS: &[Col] = &[Col::Text("Answered (UTC)"), Col::Text("User"), Col::Text("Band"), Col::Text("Owner"), Col::Text("Due (UTC)"),
    Col::Text("Status"), Col::Text("First contact"), Col::Text("Change status")];

#[component]
pub fn FollowUps(project_id: i64) -> impl IntoView {
    let items = LocalResource::new(move || async move { api::followups(project_id).await.map_err(|e| e.message) });
    let metrics = LocalResource::new(move || async move { api::loop_metrics(project_id).await.map_err(|e| e.message) });
    let load = move || {
        items.refetch();
        metrics.refetch();
    };
    let can_configure = crate::state().user.get_untracked().is_some_and(|u| u.role.can_configure());
    view! {
        <ProjectCrumbs project_id=project_id />
        <h1>"Follow-ups"</h1>
        <Card title="Is the loop closing?">
            {resource_view(metrics, |m| view! { <Metrics m=m /> })}
        </Card>
        {can_configure.then(|| view! { <crate::pages::followup_policy::FollowUpPolicyCard project_id=project_id on_saved=Callback::new(move |()| load()) /> })}
        <Card title="Queue (oldest due first)">
            {list_view(items, "Nothing to follow up.", move |list| view! {
                <ListTable testid="followups-table" class="list followups" scroll=true cols=QUEUE_COLS>
                    {list.into_iter().map(|item| view! { <FollowUpRow item=item on_saved=Callback::new(move |()| load()) /> }).collect_view()}
                </ListTable>
            })}
        </Card>
    }
}

#[component]
fn FollowUpRow(item: FollowUpItem, on_saved: Callback<()>) -> impl IntoView {
    let status = RwSignal::new(item.status.as_str().to_owned());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let id = item.response_id.clone();
    let send = crate::actions::write_or_error(
        move |update: FollowUpUpdate| {
            let id = id.clone();
            async move { api::update_followup(&id, &update).await }
        },
        error,
        move |_| on_saved.run(()),
    );
    let save = on_submit(move || {
        let Some(new_status) = FollowUpStatus::parse(&status.get_untracked()) else { return };
        let text = note.get_untracked().trim().to_owned();
        let note = match (!text.is_empty()).then(|| CommentText::parse(text)).transpose() {
            Ok(note) => note,
            Err(e) => return error.set(Some(format!("the note {e}"))),
        };
        send.dispatch(FollowUpUpdate { status: new_status, note, outcome: None });
    });
    let band = item.band.as_str();
    let overdue = item.overdue;
    let user = item.user_id.clone();
    view! {
        <tr class=if overdue { "overdue" } else { "" } data-response=item.response_id.clone()>
            <td>{fmt::date_time(item.created_at)}</td>
            <td>{user.clone()}</td>
            <td><span class=format!("band {band}")>{band}</span></td>
            <td>{item.owner.clone().unwrap_or_else(|| "unassigned".to_owned())}</td>
            <td data-testid="due">
                {fmt::date_time(item.due_at)}
                {overdue.then(|| view! { " " <strong class="flag overdue">"overdue"</strong> })}
            </td>
            <td data-testid="followup-status">{status_label(item.status)}</td>
            <td>{item.first_contact_at.map(fmt::date_time).unwrap_or_else(|| "-".to_owned())}</td>
            <td>
                <form class="row-form" on:submit=save aria-label=format!("Follow-up of {user}")>
                    <select name="status" aria-label="New status" prop:value=move || status.get() on:change=move |ev| status.set(event_target_value(&ev))>
                        {FollowUpStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{status_label(s)}</option> }).collect_view()}
                    </select>
                    <input type="text" name="note" aria-label="Note" placeholder="note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                    <button type="submit" class="secondary">"Save"</button>
                </form>
                <ErrorBox error=error.into() />
            </td>
        </tr>
    }
}
