//! The follow-up queue of a project (oldest due first) with the loop metrics above it: who owns
//! each follow-up, when it is due, overdue ones highlighted, and a status change with a note.

use crate::api;
use crate::components::ErrorBox;
use crate::{Link, Route, fmt};
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
            <div class="kpi big">
                <span class="kpi-label">"Loop closure rate"</span>
                <span class="kpi-value" data-testid="closure-rate">{fmt::rate(m.closure_rate)}</span>
                <span class="kpi-sub">{format!("{} of {} detractors contacted within the SLA", m.contacted_within_sla, m.detractors_due)}</span>
            </div>
            <div class="kpi">
                <span class="kpi-label">"Median time to contact"</span>
                <span class="kpi-value" data-testid="time-to-contact">{hours(m.median_hours_to_contact)}</span>
                <span class="kpi-sub">"from answer to first contact"</span>
            </div>
            <div class="kpi detractor">
                <span class="kpi-label">"Overdue"</span>
                <span class="kpi-value" data-testid="overdue-count">{m.overdue}</span>
                <span class="kpi-sub">"not contacted, past due"</span>
            </div>
            <div class="kpi promoter">
                <span class="kpi-label">"Recovery rate"</span>
                <span class="kpi-value" data-testid="recovery-rate">{fmt::rate(m.recovery_rate)}</span>
                <span class="kpi-sub">{format!("{} of {} detractors who answered again are no longer detractors", m.recovered, m.detractors_with_next_answer)}</span>
            </div>
        </div>
    }
}

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
        <p class="crumbs"><Link route=Route::Projects>"Projects"</Link> " / " <Link route=Route::Project(project_id)>"Project"</Link></p>
        <h1>"Follow-ups"</h1>
        <section class="card">
            <h2>"Is the loop closing?"</h2>
            <Transition fallback=crate::components::loading>{move || match metrics.get() {
                None => crate::components::loading().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(m)) => view! { <Metrics m=m /> }.into_any(),
            }}</Transition>
        </section>
        {can_configure.then(|| view! { <crate::pages::followup_policy::FollowUpPolicyCard project_id=project_id on_saved=Callback::new(move |()| load()) /> })}
        <section class="card">
            <h2>"Queue (oldest due first)"</h2>
            <Transition fallback=crate::components::loading>{move || match items.get() {
                None => crate::components::loading().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"Nothing to follow up."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-scroll">
                        <table class="list followups" data-testid="followups-table">
                            <thead><tr>
                                <th scope="col">"Answered (UTC)"</th><th scope="col">"User"</th><th scope="col">"Band"</th>
                                <th scope="col">"Owner"</th><th scope="col">"Due (UTC)"</th><th scope="col">"Status"</th>
                                <th scope="col">"First contact"</th><th scope="col">"Change status"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|item| view! { <FollowUpRow item=item on_saved=Callback::new(move |()| load()) /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}</Transition>
        </section>
    }
}

#[component]
fn FollowUpRow(item: FollowUpItem, on_saved: Callback<()>) -> impl IntoView {
    let status = RwSignal::new(item.status.as_str().to_owned());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let id = item.response_id.clone();
    let send = crate::actions::write(
        move |update: &FollowUpUpdate| {
            let (id, update) = (id.clone(), update.clone());
            async move { api::update_followup(&id, &update).await }
        },
        move |answer| match answer {
            Ok(_) => {
                error.set(None);
                on_saved.run(());
            }
            Err(e) => error.set(Some(e.message)),
        },
    );
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Some(new_status) = FollowUpStatus::parse(&status.get_untracked()) else { return };
        let text = note.get_untracked().trim().to_owned();
        let note = match (!text.is_empty()).then(|| CommentText::parse(text)).transpose() {
            Ok(note) => note,
            Err(e) => return error.set(Some(format!("the note {e}"))),
        };
        send.dispatch(FollowUpUpdate { status: new_status, note, outcome: None });
    };
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
