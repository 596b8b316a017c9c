//! Accounts at risk (most urgent first, each reason with its evidence in numbers) and the
//! action log: what was decided because of NPS, by whom and when, and whether anything was
//! decided in the last 90 days.

use crate::api::{self, AtRiskReport};
use crate::components::fields::TextField;
use crate::components::page::{Card, ProjectCrumbs};
use crate::components::table::{Col, ListTable};
use crate::components::{ErrorBox, list_view, on_submit, resource_view};
use crate::pages::revenue::money;
use crate::pages::timeline::AccountLink;
use crate::fmt;
use leptos::prelude::*;
use nps_core::actions::{Action, ActionInput, RecentActions};
use nps_core::wire::{DecisionText, EmailText, Name};
use nps_core::churn::signals::{AtRiskAccount, RiskReason};

/// A reason in words, with its numbers.
pub fn reason_text(reason: &RiskReason) -> String {
    match reason {
        RiskReason::Falling { evidence } => {
            let worst = evidence.iter().max_by(|a, b| a.drop.total_cmp(&b.drop));
            worst.map_or_else(
                || "NPS falling".to_owned(),
                |e| {
                    format!(
                        "NPS fell {:.0} points ({} -> {}, waves {} to {}{})",
                        e.drop,
                        fmt::points(e.from.nps),
                        fmt::points(e.to.nps),
                        e.from.wave,
                        e.to.wave,
                        if e.comparison.significant { ", significant" } else { ", not significant" }
                    )
                },
            )
        }
        RiskReason::SilentDetractors { users } => {
            let names: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
            format!("{} silent detractor(s): {}", users.len(), names.join(", "))
        }
        RiskReason::LowNps { latest, threshold } => format!(
            "NPS {} below {} in {} (n = {})",
            fmt::points(latest.nps),
            fmt::points(*threshold),
            latest.wave,
            latest.answers
        ),
        RiskReason::RenewalSoon { days_left, .. } => format!("renewal in {days_left:.0} days"),
    }
}

#[component]
fn AtRiskTable(project_id: i64, accounts: Vec<AtRiskAccount>) -> impl IntoView {
    const COLS: &[Col] = &[Col::Text("Account"), Col::Num("Risk score"), Col::Num("Latest NPS"), Col::Num("Answers"), Col::Num("MRR"),
        Col::Text("Renewal (UTC)"), Col::Text("Why")];
    view! {
        <ListTable testid="at-risk-table" cols=COLS>
            {accounts.into_iter().map(|a| view! {
                <tr data-account=a.account.clone()>
                    <th scope="row"><AccountLink project_id=project_id account=a.account.clone() /></th>
                    <td class="num" data-testid="risk-score">{format!("{:.0}", a.risk_score)}</td>
                    <td class="num">{fmt::nps(a.latest.as_ref().map(|l| l.nps))}</td>
                    <td class="num">{a.latest.as_ref().map(|l| l.answers.to_string()).unwrap_or_default()}</td>
                    <td class="num">{money(a.mrr_cents)}</td>
                    <td>{fmt::date(a.renewal_at)}</td>
                    <td><ul class="reasons" data-testid="risk-reasons">{a.reasons.iter().map(|r| view! { <li>{reason_text(r)}</li> }).collect_view()}</ul></td>
                </tr>
            }).collect_view()}
        </ListTable>
    }
}

#[component]
pub fn AtRisk(project_id: i64) -> impl IntoView {
    let report: LocalResource<Result<AtRiskReport, String>> = LocalResource::new(move || async move { api::at_risk(project_id).await.map_err(|e| e.message) });
    let actions: LocalResource<Result<Vec<Action>, String>> = LocalResource::new(move || async move { api::actions(project_id).await.map_err(|e| e.message) });
    let recent: LocalResource<Result<RecentActions, String>> = LocalResource::new(move || async move { api::recent_actions(project_id, 90).await.map_err(|e| e.message) });
    let load_actions = move || {
        actions.refetch();
        recent.refetch();
    };
    view! {
        <ProjectCrumbs project_id=project_id />
        <h1>"Accounts at risk and actions"</h1>
        <Card title="Accounts at risk (most urgent first)">
            {resource_view(report, move |r| view! {
                <p class="muted" data-testid="at-risk-summary">
                    {format!("{} of {} accounts show a risk signal (waves: {}; as of {} UTC).", r.accounts.len(), r.accounts_considered, r.wave, fmt::date_time(r.as_of))}
                </p>
                {(!r.accounts.is_empty()).then(|| view! { <AtRiskTable project_id=project_id accounts=r.accounts.clone() /> })}
                {(!r.silent_without_account.is_empty()).then(|| view! {
                    <p class="muted small">{format!("{} silent detractor(s) belong to no account.", r.silent_without_account.len())}</p>
                })}
            })}
        </Card>
        <Card title="Action log">
            <Transition fallback=|| ()>{move || recent.get().map(|r| match r {
                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
                Ok(r) => view! {
                    <p data-testid="recent-actions" class=if r.changed_anything { "verdict eligible" } else { "verdict blocked" }>
                        {if r.changed_anything {
                            format!("Yes: {} action(s) decided because of NPS in the last {} days.", r.count, r.days)
                        } else {
                            format!("No action decided because of NPS in the last {} days.", r.days)
                        }}
                    </p>
                }.into_any(),
            })}</Transition>
            <NewAction project_id=project_id on_saved=Callback::new(move |()| load_actions()) />
            {list_view(actions, "No actions recorded.", |list| view! {
                <ListTable testid="actions-table" cols=&[Col::Text("Decided (UTC)"), Col::Text("Title"), Col::Text("Decision"), Col::Text("Owner"), Col::Text("Recorded by")]>
                    {list.into_iter().map(|a| view! {
                        <tr>
                            <td>{fmt::date(Some(a.input.decided_at))}</td>
                            <th scope="row">{a.input.title.to_string()}</th>
                            <td>{a.input.decision.to_string()}</td>
                            <td>{a.input.owner.clone().map(EmailText::into_inner).unwrap_or_default()}</td>
                            <td>{a.created_by.clone()}</td>
                        </tr>
                    }).collect_view()}
                </ListTable>
            })}
        </Card>
    }
}

#[component]
fn NewAction(project_id: i64, on_saved: Callback<()>) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let decision = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = crate::actions::write_or_error(|input: ActionInput| async move { api::create_action(&input).await }, error, move |_| {
        title.set(String::new());
        decision.set(String::new());
        on_saved.run(());
    });
    let submit = on_submit(move || {
        let Some(decided_at) = fmt::parse_date(&date.get_untracked()) else {
            error.set(Some("pick the day it was decided".to_owned()));
            return;
        };
        let owner_text = owner.get_untracked().trim().to_owned();
        let owner = match (!owner_text.is_empty()).then(|| EmailText::parse(owner_text)).transpose() {
            Ok(owner) => owner,
            Err(e) => return error.set(Some(format!("the owner {e}"))),
        };
        let title_parsed = Name::parse(title.get_untracked().trim()).map_err(|e| format!("the title {e}"));
        let decision_parsed = DecisionText::parse(decision.get_untracked().trim()).map_err(|e| format!("the decision {e}"));
        let (title_text, decision_text) = match (title_parsed, decision_parsed) {
            (Ok(t), Ok(d)) => (t, d),
            (Err(e), _) | (_, Err(e)) => return error.set(Some(e)),
        };
        create.dispatch(ActionInput {
            project_id,
            survey_id: None,
            title: title_text,
            decision: decision_text,
            decided_at,
            owner,
            themes: Vec::new(),
            response_ids: Vec::new(),
        });
    });
    view! {
        <form class="filters" on:submit=submit aria-label="Record an action">
            <TextField label="Title" name="action_title" value=title class="field inline" />
            <TextField label="What was decided" name="action_decision" value=decision class="field inline grow" />
            <TextField label="Owner" name="action_owner" value=owner class="field inline" />
            <TextField label="Decided on" name="action_date" value=date kind="date" class="field inline" />
            <button type="submit">"Record action"</button>
        </form>
        <ErrorBox error=error.into() />
    }
}
