//! The audit log (owners only; the collector refuses everyone else, and the navigation shows
//! no link to other roles): who did what, when and from where, filtered, newest first, "Load
//! more" for older entries, a CSV export of the same filters, and a check that no entry was
//! changed or removed (the hash chain, recomputed by the collector).

use crate::api::{self, AuditFilters};
use crate::components::{ErrorBox, on_submit};
use crate::components::date_range::date_range_fields;
use crate::components::fields::{SelectField, TextField};
use crate::components::table::{Col, ListTable};
use crate::fmt;
use crate::pages::report::range;
use leptos::prelude::*;
use crate::components::page::Card;
use nps_core::wire::{AuditEntry, AuditKind, AuditVerification};

fn kind_label(kind: AuditKind) -> &'static str {
    match kind {
        AuditKind::Write => "write",
        AuditKind::Export => "export",
        AuditKind::ProtectedRead => "protected read",
        AuditKind::AuditRead => "audit read",
        AuditKind::Denied => "denied",
    }
}

fn target_text(entry: &AuditEntry) -> String {
    entry.target.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
}

fn actor_text(entry: &AuditEntry) -> String {
    match (&entry.actor_email, &entry.actor_role) {
        (Some(email), Some(role)) => format!("{email} ({})", role.replace('_', " ")),
        (Some(email), None) => email.clone(),
        _ => "anonymous".to_owned(),
    }
}

#[component]
fn EntryRow(entry: AuditEntry) -> impl IntoView {
    let refused = matches!(entry.status, 401 | 403);
    view! {
        <tr data-testid="audit-entry" class:refused=refused>
            <td>{fmt::date_time(entry.at)}</td>
            <td data-testid="audit-actor">{actor_text(&entry)}</td>
            <td>{kind_label(entry.kind)}</td>
            <td data-testid="audit-action"><code>{entry.action.clone()}</code></td>
            <td>{target_text(&entry)}</td>
            <td class="num" data-testid="audit-status">{entry.status}</td>
            <td>{entry.client_addr.clone().unwrap_or_default()}</td>
            <td class="small muted">{entry.user_agent.clone().unwrap_or_default()}</td>
        </tr>
    }
}

/// The filter fields of the log, kept as typed.
#[derive(Clone, Copy)]
struct FilterFields {
    actor: RwSignal<String>,
    kind: RwSignal<String>,
    action: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

impl FilterFields {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Self { actor: text(), kind: text(), action: text(), from: text(), to: text() }
    }

    /// The filters the fields ask for.
    fn filters(self) -> AuditFilters {
        let (f, t) = range(&self.from.get(), &self.to.get());
        AuditFilters { actor: self.actor.get(), kind: AuditKind::parse(&self.kind.get()), action: self.action.get(), from: f, to: t }
    }
}

/// The audit log page: the filters, then the entries that match, newest first.
#[component]
pub fn AuditLog() -> impl IntoView {
    let fields = FilterFields::new();
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // `before` none: a fresh first page; else the next older page appended.
    let pages = crate::actions::write(
        |(f, before): (AuditFilters, Option<i64>)| async move { (before, api::audit_page(&f, before).await) },
        move |(before, answer)| {
            match answer {
                Ok(page) => {
                    error.set(None);
                    if before.is_none() {
                        entries.set(page.entries);
                    } else {
                        entries.update(|list| list.extend(page.entries));
                    }
                    next.set(page.next_before);
                }
                Err(e) => error.set(Some(e.message)),
            }
            loaded.set(true);
        },
    );
    let load = move |before: Option<i64>| {
        pages.dispatch((fields.filters(), before));
    };
    load(None);
    view! {
        <h1>"Audit log"</h1>
        <p class="muted">"Every change in the admin, every export and every read of employee NPS: who, what, when and from where. Entries cannot be changed; times are UTC."</p>
        <ChainCheck />
        <AuditFilterForm fields=fields on_apply=Callback::new(move |()| load(None)) />
        <ErrorBox error=error.into() />
        <AuditEntries entries=entries next=next loaded=loaded on_more=Callback::new(move |before| load(Some(before))) />
    }
}

/// The filters form: user, kind, action, dates, "Apply" and the CSV export of the same filters.
#[component]
fn AuditFilterForm(fields: FilterFields, on_apply: Callback<()>) -> impl IntoView {
    let FilterFields { actor, kind, action, from, to } = fields;
    let apply = on_submit(move || {
        on_apply.run(());
    });
    view! {
        <form class="filters card" on:submit=apply aria-label="Filters">
            <TextField label="User e-mail" name="actor" value=actor kind="email" class="field inline" />
            <SelectField label="Kind" name="kind" value=kind options=&[("", "all")]>
                {AuditKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{kind_label(k)}</option> }).collect_view()}
            </SelectField>
            <TextField label="Action contains" name="action" value=action kind="search" class="field inline" />
            {date_range_fields(from, to)}
            <button type="submit">"Apply"</button>
            <a class="button secondary" href=move || fields.filters().export_url() download="audit-log.csv" data-testid="audit-export">"Export CSV"</a>
        </form>
    }
}

const AUDIT_COLS: &[Col] = &[Col::Text("When (UTC)"), Col::Text("Who"), Col::Text("Kind"), Col::Text("Action"), Col::Text("Target"),
    Col::Text("Status"), Col::Text("From"), Col::Text("User agent")];

/// The entries loaded so far ("Loading..." before the first page), and "Load more" while older ones remain.
#[component]
fn AuditEntries(entries: RwSignal<Vec<AuditEntry>>, next: RwSignal<Option<i64>>, loaded: RwSignal<bool>, on_more: Callback<i64>) -> impl IntoView {
    move || {
        if !loaded.get() {
            return crate::components::loading().into_any();
        }
        let list = entries.get();
        if list.is_empty() {
            return view! { <p class="muted card">"No entries match these filters."</p> }.into_any();
        }
        view! {
            <section class="card">
                <ListTable testid="audit-table" class="list audit" scroll=true cols=AUDIT_COLS>
                    {list.into_iter().map(|e| view! { <EntryRow entry=e /> }).collect_view()}
                </ListTable>
                {move || next.get().map(|before| view! {
                    <button type="button" class="secondary" data-testid="audit-more" on:click=move |_| on_more.run(before)>"Load more"</button>
                })}
            </section>
        }.into_any()
    }
}

/// "Verify": the collector recomputes every entry's hash and checks each links to the one before
/// and the newest matches the stored head; an entry changed, removed or inserted by someone
/// with database access shows as a break.
#[component]
fn ChainCheck() -> impl IntoView {
    let result = RwSignal::new(None::<Result<AuditVerification, String>>);
    let check = crate::actions::write(|()| async { api::audit_verify().await.map_err(|e| e.message) }, move |answer| result.set(Some(answer)));
    view! {
        <Card title="Integrity" title_id="chain-title">
            <p class="muted small">"Each entry carries a hash of itself and of the entry before it, so a change to any past entry breaks the chain from there on."</p>
            <button type="button" class="secondary" disabled=move || check.pending().get() on:click=move |_| { check.dispatch(()); }>"Verify the chain"</button>
            {move || result.get().map(chain_result)}
        </Card>
    }
}

fn chain_result(result: Result<AuditVerification, String>) -> AnyView {
    match result {
        Ok(v) if v.intact => {
            let head: String = v.head_hash.chars().take(16).collect();
            let text = format!("Intact: {} entries checked; the newest is #{} (hash {head}...).", v.entries, v.head_seq);
            view! { <p role="status" data-testid="chain-result">{text}</p> }.into_any()
        }
        Ok(v) => {
            let at = v.broken_at.map_or_else(|| "the chain head".to_owned(), |seq| format!("entry #{seq}"));
            let text = format!("Broken at {at}: {}. Entries from there on may have been changed.", v.problem.unwrap_or_default());
            view! { <p role="alert" class="error" data-testid="chain-result">{text}</p> }.into_any()
        }
        Err(message) => view! { <p role="alert" class="error" data-testid="chain-result">{message}</p> }.into_any(),
    }
}
