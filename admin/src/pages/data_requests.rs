//! A project's "Data requests" tool (owners and admins): export everything held about one
//! respondent as a JSON file, or erase them everywhere in the project, so that a data subject's
//! request is answered from the app. The collector does the work (`docs/data-rights.md`). The
//! project's retention is on the same page (`pages/retention.rs`).

use crate::api::{self, Respondent};
use crate::components::ErrorBox;
use crate::components::fields::{SelectField, TextField};
use crate::components::page::{Card, ProjectCrumbs};
use leptos::prelude::*;
use serde_json::Value;

/// What the last request did, and for whom (as typed).
#[derive(Clone)]
enum Outcome {
    Exported { who: String, document: String, records: usize },
    Erased { who: String, counts: Vec<(String, u64)>, note: String },
}

/// The respondent the form names, or what is missing.
fn respondent(by: &str, typed: &str) -> Result<Respondent, String> {
    let typed = typed.trim();
    match (by, typed) {
        (_, "") => Err("type the user id or the e-mail address of the respondent".to_owned()),
        ("email", _) => Ok(Respondent::Email(typed.to_owned())),
        _ => Ok(Respondent::UserId(typed.to_owned())),
    }
}

fn named(who: &Respondent) -> String {
    match who {
        Respondent::UserId(id) => id.clone(),
        Respondent::Email(email) => email.clone(),
    }
}

/// Records in an export: the rows of its sections.
fn records(document: &Value) -> usize {
    document.as_object().map_or(0, |sections| sections.values().filter_map(Value::as_array).map(Vec::len).sum())
}

fn exported(who: &Respondent, document: &Value) -> Outcome {
    let pretty = serde_json::to_string_pretty(document).unwrap_or_default();
    Outcome::Exported { who: named(who), document: pretty, records: records(document) }
}

fn erased(who: &Respondent, answer: &Value) -> Outcome {
    let counts = answer
        .get("erased")
        .and_then(Value::as_object)
        .map(|kinds| kinds.iter().map(|(kind, n)| (kind.replace('_', " "), n.as_u64().unwrap_or(0))).collect())
        .unwrap_or_default();
    let note = answer.get("note").and_then(Value::as_str).unwrap_or_default().to_owned();
    Outcome::Erased { who: named(who), counts, note }
}

#[component]
pub fn DataRequests(project_id: i64) -> impl IntoView {
    let by = RwSignal::new("user_id".to_owned());
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Outcome>);
    let export = crate::actions::write_or_error(
        move |who: Respondent| async move { api::export_respondent(project_id, &who).await.map(|doc| exported(&who, &doc)) },
        error,
        move |done| outcome.set(Some(done)),
    );
    let erase = crate::actions::write_or_error(
        move |who: Respondent| async move { api::erase_respondent(project_id, &who).await.map(|answer| erased(&who, &answer)) },
        error,
        move |done| outcome.set(Some(done)),
    );
    let asked = move || respondent(&by.get_untracked(), &typed.get_untracked()).inspect_err(|e| error.set(Some(e.clone()))).ok();
    let on_export = move |_| {
        if let Some(who) = asked() {
            export.dispatch(who);
        }
    };
    let on_erase = move |_| {
        if let Some(who) = asked() {
            let question = format!("Erase {} everywhere in this project? Their answers, history and messages are deleted; this cannot be undone.", named(&who));
            if crate::confirmed(&question) {
                erase.dispatch(who);
            }
        }
    };
    let busy = move || export.pending().get() || erase.pending().get();
    view! {
        <ProjectCrumbs project_id=project_id />
        <h1>"Data requests"</h1>
        <Card title="One respondent" title_id="data-requests-title">
            <p class="muted small">"A respondent asks what you hold about them, or to be forgotten: export it as a JSON file, or erase it everywhere in this project (answers, displays, decisions, identity, follow-ups, campaign messages, and what is still queued)."</p>
            <form class="filters" aria-label="Data request" on:submit=|ev| ev.prevent_default()>
                <SelectField label="Find by" name="respondent_by" value=by options=&[("user_id", "user id"), ("email", "e-mail address")] />
                <TextField label="Respondent" name="respondent" value=typed class="field inline" placeholder="u-123 or ann@example.com" />
                <button type="button" class="secondary" disabled=busy on:click=on_export>"Export"</button>
                <button type="button" class="secondary danger" disabled=busy on:click=on_erase>"Erase"</button>
            </form>
            <ErrorBox error=error.into() />
            {move || outcome.get().map(outcome_view)}
        </Card>
        <crate::pages::retention::RetentionCard project_id=project_id />
    }
}

fn outcome_view(outcome: Outcome) -> AnyView {
    match outcome {
        Outcome::Exported { who, document, records } => {
            let href = format!("data:application/json;charset=utf-8,{}", api::encode(&document));
            view! {
                <p role="status" data-testid="data-request-result">
                    {format!("Export of {who}: {records} records. ")}
                    <a href=href download="respondent-export.json" data-testid="data-request-download">"Download the JSON file"</a>
                </p>
            }
            .into_any()
        }
        Outcome::Erased { who, counts, note } => {
            let removed: u64 = counts.iter().map(|(_, n)| n).sum();
            let kinds = counts.into_iter().filter(|(_, n)| *n > 0).map(|(kind, n)| format!("{kind}: {n}")).collect::<Vec<_>>().join(", ");
            view! {
                <p role="status" data-testid="data-request-result">{format!("Erased {who}: {removed} records removed ({kinds}).")}</p>
                <p class="muted small">{note}</p>
            }
            .into_any()
        }
    }
}
