//! Webhook endpoints of a project (events, band rule, format, the signing secret), a test
//! event per endpoint, and the delivery log: every attempt with its status, the receiver's
//! answer, the error and the time it took.

use crate::api;
use crate::components::fields::{CheckField, SelectField, TextField};
use crate::components::page::{Card, ProjectCrumbs, StatusNote};
use crate::components::table::{Col, ListTable};
use crate::components::{ErrorBox, list_view, on_submit};
use crate::fmt;
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
        api::test_webhook,
        move |answer| match answer {
            Ok(m) => notice.set(Some(format!("Test event queued as message {}; refresh the log to see its delivery.", m.message_id))),
            Err(e) => notice.set(Some(e.message)),
        },
    );
    let on_test = Callback::new(move |id: i64| {
        send_test.dispatch(id);
    });
    view! {
        <ProjectCrumbs project_id=project_id />
        <h1>"Webhooks"</h1>
        <Card title="Endpoints">
            {list_view(hooks, "No endpoints yet.", move |list| view! { <WebhookTable hooks=list on_test=on_test /> })}
            <StatusNote text=notice testid="webhook-notice" />
            <NewWebhook project_id=project_id on_saved=Callback::new(move |()| hooks.refetch()) />
        </Card>
        <crate::pages::alerts::AlertPolicyCard project_id=project_id />
        <DeliveryLogCard status=status log=log on_reload=Callback::new(move |()| log.refetch()) />
    }
}

/// The endpoints table: URL, events, bands, format, state, signing secret, and a test-event button.
#[component]
fn WebhookTable(hooks: Vec<Webhook>, on_test: Callback<i64>) -> impl IntoView {
    const COLS: &[Col] = &[Col::Text("URL"), Col::Text("Events"), Col::Text("Bands"), Col::Text("Format"), Col::Text("State"),
        Col::Text("Signing secret"), Col::Text("")];
    view! {
        <ListTable testid="webhooks-table" cols=COLS>
            {hooks.into_iter().map(|h| view! { <WebhookRow hook=h on_test=on_test /> }).collect_view()}
        </ListTable>
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
                    <SelectField label="Status" name="delivery_status" value=status on_pick=on_reload
                        options=&[("", "all"), ("delivered", "delivered"), ("retrying", "retrying"), ("failed", "failed"), ("waiting", "waiting")] />
                    <button type="button" class="secondary" on:click=move |_| on_reload.run(())>"Refresh"</button>
                </div>
            </div>
            {crate::components::resource_view(log, |rows| match rows.is_empty() {
                true => view! { <p class="muted" data-testid="deliveries-empty">"Nothing delivered yet."</p> }.into_any(),
                false => view! { <DeliveryTable rows=rows /> }.into_any(),
            })}
        </section>
    }
}

const DELIVERY_COLS: &[Col] = &[Col::Text("When (UTC)"), Col::Text("Channel"), Col::Text("Event"), Col::Text("Target"),
    Col::Num("Attempt"), Col::Text("Status"), Col::Num("Answer"), Col::Num("ms"), Col::Text("Error")];

#[component]
fn DeliveryTable(rows: Vec<DeliveryRow>) -> impl IntoView {
    view! {
        <ListTable testid="deliveries-table" scroll=true cols=DELIVERY_COLS>
            {rows.into_iter().map(|r| view! {
                <tr class=format!("delivery {}", r.status.as_str()) data-message=r.message_id.clone()>
                    <td>{fmt::date_time(r.at)}</td>
                    <td>{r.channel.as_str()}</td>
                    <td>{r.kind.clone()}</td>
                    <td class="attrs">{r.target.clone()}</td>
                    <td class="num">{r.attempt}</td>
                    <td data-testid="delivery-status"><span class=format!("status {}", r.status.as_str())>{r.status.as_str()}</span></td>
                    <td class="num" data-testid="delivery-code">{r.status_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                    <td class="num">{r.duration_ms.map(|d| d.to_string()).unwrap_or_default()}</td>
                    <td>{r.error.clone().unwrap_or_default()}</td>
                </tr>
            }).collect_view()}
        </ListTable>
    }
}

#[component]
fn NewWebhook(project_id: i64, on_saved: Callback<()>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let completed_only = RwSignal::new(false);
    let detractors_only = RwSignal::new(false);
    let slack = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let create = crate::actions::write_or_error(
        move |input: WebhookInput| async move { api::create_webhook(project_id, &input).await },
        error,
        move |_| {
            url.set(String::new());
            on_saved.run(());
        },
    );
    let submit = on_submit(move || {
        create.dispatch(WebhookInput {
            url: url.get_untracked().trim().to_owned(),
            events: if completed_only.get_untracked() { vec![WebhookEvent::ResponseCompleted] } else { WebhookEvent::ALL.to_vec() },
            bands: if detractors_only.get_untracked() { vec![Band::Detractor] } else { Vec::new() },
            format: if slack.get_untracked() { WebhookFormat::Slack } else { WebhookFormat::Standard },
            enabled: true,
            description: None,
        });
    });
    view! {
        <h3>"Add an endpoint"</h3>
        <form on:submit=submit aria-label="New webhook">
            <TextField label="Endpoint URL" name="webhook_url" value=url placeholder="https://..." />
            <CheckField label="Only completed answers (score and comment)" name="completed_only" value=completed_only />
            <CheckField label="Only detractors" name="detractors_only" value=detractors_only />
            <CheckField label="Slack message format" name="slack_format" value=slack />
            <button type="submit">"Add endpoint"</button>
        </form>
        <ErrorBox error=error.into() />
    }
}
