//! Webhook endpoints of a project (events, band rule, format, the signing secret), a test
//! event per endpoint, and the delivery log: every attempt with its status, the receiver's
//! answer, the error and the time it took.

use crate::api;
use crate::components::ErrorBox;
use crate::{Link, Route, fmt};
use leptos::prelude::*;
use nps_core::Band;
use nps_core::webhooks::{DeliveryRow, Webhook, WebhookEvent, WebhookFormat, WebhookInput};

/// The webhooks page of a project: its endpoints, its alert policy and the delivery log.
#[component]
pub fn Webhooks(project_id: i64) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<String>);
    let hooks = LocalResource::new(move || async move { api::webhooks(project_id).await.map_err(|e| e.message) });
    // The status filter applies when the log is reloaded (on its change and on "Refresh").
    let log = LocalResource::new(move || {
        let s = status.get_untracked();
        async move { api::deliveries(project_id, &s).await.map_err(|e| e.message) }
    });
    let send_test = crate::actions::write(
        |id: &i64| api::test_webhook(*id),
        move |answer| match answer {
            Ok(m) => notice.set(Some(format!("Test event queued as message {}; refresh the log to see its delivery.", m.message_id))),
            Err(e) => notice.set(Some(e.message)),
        },
    );
    let on_test = Callback::new(move |id: i64| {
        send_test.dispatch(id);
    });
    view! {
        <p class="crumbs"><Link route=Route::Projects>"Projects"</Link> " / " <Link route=Route::Project(project_id)>"Project"</Link></p>
        <h1>"Webhooks"</h1>
        <section class="card">
            <h2>"Endpoints"</h2>
            <Transition fallback=crate::components::loading>{move || match hooks.get() {
                None => crate::components::loading().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No endpoints yet."</p> }.into_any(),
                Some(Ok(list)) => view! { <WebhookTable hooks=list on_test=on_test /> }.into_any(),
            }}</Transition>
            {move || notice.get().map(|n| view! { <p class="muted" role="status" data-testid="webhook-notice">{n}</p> })}
            <NewWebhook project_id=project_id on_saved=Callback::new(move |()| hooks.refetch()) />
        </section>
        <crate::pages::alerts::AlertPolicyCard project_id=project_id />
        <DeliveryLogCard status=status log=log on_reload=Callback::new(move |()| log.refetch()) />
    }
}

/// The endpoints table: URL, events, bands, format, state, signing secret, and a test-event button.
#[component]
fn WebhookTable(hooks: Vec<Webhook>, on_test: Callback<i64>) -> impl IntoView {
    view! {
        <table class="list" data-testid="webhooks-table">
            <thead><tr><th scope="col">"URL"</th><th scope="col">"Events"</th><th scope="col">"Bands"</th><th scope="col">"Format"</th><th scope="col">"State"</th><th scope="col">"Signing secret"</th><th scope="col"></th></tr></thead>
            <tbody>
                {hooks.into_iter().map(|h| view! { <WebhookRow hook=h on_test=on_test /> }).collect_view()}
            </tbody>
        </table>
    }
}

/// One endpoint of the endpoints table.
#[component]
fn WebhookRow(hook: Webhook, on_test: Callback<i64>) -> impl IntoView {
    let h = hook;
    let id = h.id;
    let events: Vec<&str> = h.events.iter().map(|e| e.as_str()).collect();
    let bands = if h.bands.is_empty() { "every band".to_owned() } else { h.bands.iter().map(|b| b.as_str()).collect::<Vec<_>>().join(", ") };
    view! {
        <tr data-webhook=h.id.to_string()>
            <td class="attrs">{h.url.clone()}</td>
            <td>{events.join(", ")}</td>
            <td>{bands}</td>
            <td>{h.format.as_str()}</td>
            <td>{if h.enabled { "enabled" } else { "paused" }}</td>
            <td><code>{h.secret.clone()}</code></td>
            <td><button type="button" class="secondary" on:click=move |_| on_test.run(id)>"Send test event"</button></td>
        </tr>
    }
}

/// The "Delivery log" card: a status filter, "Refresh", and the deliveries, newest first.
#[component]
fn DeliveryLogCard(status: RwSignal<String>, log: LocalResource<Result<Vec<DeliveryRow>, String>>, on_reload: Callback<()>) -> impl IntoView {
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"Delivery log (newest first)"</h2>
                <div class="filters">
                    <label class="field inline"><span>"Status"</span>
                        <select name="delivery_status" prop:value=move || status.get() on:change=move |ev| { status.set(event_target_value(&ev)); on_reload.run(()); }>
                            <option value="">"all"</option>
                            <option value="delivered">"delivered"</option>
                            <option value="retrying">"retrying"</option>
                            <option value="failed">"failed"</option>
                            <option value="waiting">"waiting"</option>
                        </select>
                    </label>
                    <button type="button" class="secondary" on:click=move |_| on_reload.run(())>"Refresh"</button>
                </div>
            </div>
            <Transition fallback=crate::components::loading>{move || match log.get() {
                None => crate::components::loading().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="muted" data-testid="deliveries-empty">"Nothing delivered yet."</p> }.into_any(),
                Some(Ok(rows)) => view! { <DeliveryTable rows=rows /> }.into_any(),
            }}</Transition>
        </section>
    }
}

#[component]
fn DeliveryTable(rows: Vec<DeliveryRow>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="list" data-testid="deliveries-table">
                <thead><tr>
                    <th scope="col">"When (UTC)"</th><th scope="col">"Channel"</th><th scope="col">"Event"</th><th scope="col">"Target"</th>
                    <th scope="col" class="num">"Attempt"</th><th scope="col">"Status"</th><th scope="col" class="num">"Answer"</th>
                    <th scope="col" class="num">"ms"</th><th scope="col">"Error"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr class=format!("delivery {}", r.status) data-message=r.message_id.clone()>
                            <td>{fmt::date_time(r.at)}</td>
                            <td>{r.channel.clone()}</td>
                            <td>{r.kind.clone()}</td>
                            <td class="attrs">{r.target.clone()}</td>
                            <td class="num">{r.attempt}</td>
                            <td data-testid="delivery-status"><span class=format!("status {}", r.status)>{r.status.clone()}</span></td>
                            <td class="num" data-testid="delivery-code">{r.status_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                            <td class="num">{r.duration_ms.map(|d| d.to_string()).unwrap_or_default()}</td>
                            <td>{r.error.clone().unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn NewWebhook(project_id: i64, on_saved: Callback<()>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let completed_only = RwSignal::new(false);
    let detractors_only = RwSignal::new(false);
    let slack = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let create = crate::actions::write(
        move |input: &WebhookInput| {
            let input = input.clone();
            async move { api::create_webhook(project_id, &input).await }
        },
        move |answer| match answer {
            Ok(_) => {
                error.set(None);
                url.set(String::new());
                on_saved.run(());
            }
            Err(e) => error.set(Some(e.message)),
        },
    );
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(WebhookInput {
            url: url.get_untracked().trim().to_owned(),
            events: if completed_only.get_untracked() { vec![WebhookEvent::ResponseCompleted] } else { WebhookEvent::ALL.to_vec() },
            bands: if detractors_only.get_untracked() { vec![Band::Detractor] } else { Vec::new() },
            format: if slack.get_untracked() { WebhookFormat::Slack } else { WebhookFormat::Standard },
            enabled: true,
            description: None,
        });
    };
    let check = move |label: &'static str, name: &'static str, signal: RwSignal<bool>| {
        view! {
            <label class="check"><input type="checkbox" name=name prop:checked=move || signal.get() on:change=move |ev| signal.set(event_target_checked(&ev)) />{label}</label>
        }
    };
    view! {
        <h3>"Add an endpoint"</h3>
        <form on:submit=submit aria-label="New webhook">
            <label class="field"><span>"Endpoint URL"</span>
                <input type="text" name="webhook_url" placeholder="https://..." prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
            </label>
            {check("Only completed answers (score and comment)", "completed_only", completed_only)}
            {check("Only detractors", "detractors_only", detractors_only)}
            {check("Slack message format", "slack_format", slack)}
            <button type="submit">"Add endpoint"</button>
        </form>
        <ErrorBox error=error.into() />
    }
}
