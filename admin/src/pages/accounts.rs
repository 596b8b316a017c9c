//! B2B roll-ups on the report page: the same answers counted three ways (every response, each
//! account weighing the same, decision-maker first), always named, and NPS per role side by
//! side. Each figure comes with its interval and n (answers, or accounts where accounts are
//! what is counted).

use crate::api::{self, AccountRollups};
use crate::components::fields::TextField;
use crate::components::interval_bar::{NpsCells, interval_head};
use crate::components::table::{Col, ListTable};
use crate::components::{muted, on_submit, resource_view};
use crate::components::page::Card;
use leptos::prelude::*;
use nps_core::wire::NpsSummary;

/// One roll-up as a table row: name, NPS, interval, picture, n and what n counts.
fn summary_row(name: &'static str, id: &'static str, s: &NpsSummary, counts: &'static str) -> impl IntoView + use<> {
    view! {
        <tr data-rollup=id>
            <th scope="row">{name}</th>
            <NpsCells nps=s.nps low=Some(s.interval.low) high=Some(s.interval.high) testid=format!("{id}-nps") />
            <td class="num" data-testid=format!("{id}-n")>{s.n}</td>
            <td class="muted">{counts}</td>
        </tr>
    }
}

#[component]
pub fn AccountRollupsCard(survey_id: i64, range: Signal<(Option<i64>, Option<i64>)>) -> impl IntoView {
    let account = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    // The account and role sources last asked for; the range follows the report's.
    let asked = RwSignal::new((String::new(), String::new()));
    let load = move || crate::asked::ask(asked, (account.get_untracked().trim().to_owned(), role.get_untracked().trim().to_owned()));
    let data = LocalResource::new(move || {
        let (a, r) = asked.get();
        let (from, to) = range.get();
        async move { api::account_rollups(survey_id, from, to, &a, &r).await.map_err(|e| e.message) }
    });
    let apply = on_submit(load);
    view! {
        <Card title="Accounts (B2B roll-ups)" title_id="accounts-title">
            <form class="filters" on:submit=apply aria-label="Account roll-up sources">
                <TextField label="Account from" name="rollup_account" value=account class="field inline" placeholder="account (or attr:partner)" />
                <TextField label="Role from" name="rollup_role" value=role class="field inline" placeholder="role (or attr:title)" />
                <button type="submit">"Roll up"</button>
            </form>
            {resource_view(data, rollups_view)}
        </Card>
    }
}

const ROLLUP_COLS: &[Col] = &[Col::Text("Counting"), Col::Num("NPS"), Col::Num("95% CI"), Col::View(interval_head), Col::Num("n"),
    Col::Text("n counts")];
const ROLE_COLS: &[Col] = &[Col::Text("Role"), Col::Num("NPS"), Col::Num("95% CI"), Col::View(interval_head), Col::Num("n")];

fn rollups_view(r: AccountRollups) -> impl IntoView {
    let avg = r.per_account.clone();
    let roles = r.per_role.clone();
    view! {
        <ListTable testid="rollups-table" scroll=true caption="Three ways to count the same answers" cols=ROLLUP_COLS>
            {summary_row("Every response", "every-response", &r.every_response, "answers")}
            <tr data-rollup="per-account">
                <th scope="row">"Per account (each account weighs the same)"</th>
                <NpsCells nps=avg.mean_nps low=avg.low high=avg.high testid="per-account-nps" />
                <td class="num" data-testid="per-account-n">{avg.accounts}</td>
                <td class="muted">"accounts (mean of their NPS)"</td>
            </tr>
            {summary_row("Decision-maker first", "decision-maker", &r.decision_maker_first, "accounts (buyer, else admin, else users)")}
        </ListTable>
        <p class="muted small">{format!("{} answers named no account (counted in \"every response\" only).", r.without_account)}</p>
        <h3>"NPS per role"</h3>
        {if roles.is_empty() {
            muted("No answers carry a role.")
        } else {
            view! {
                <ListTable testid="roles-table" cols=ROLE_COLS>
                    {roles.into_iter().map(|(role, s)| view! {
                        <tr data-role=role.clone()>
                            <th scope="row">{role.clone()}</th>
                            <NpsCells nps=s.nps low=Some(s.interval.low) high=Some(s.interval.high) />
                            <td class="num">{s.n}</td>
                        </tr>
                    }).collect_view()}
                </ListTable>
            }.into_any()
        }}
    }
}
