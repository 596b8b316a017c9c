//! B2B roll-ups on the report page: the same answers counted three ways (every response, each
//! account weighing the same, decision-maker first), always named, and NPS per role side by
//! side. Each figure comes with its interval and n (answers, or accounts where accounts are
//! what is counted).

use crate::api::{self, AccountRollups};
use crate::components::interval_bar::{IntervalBar, IntervalScale};
use crate::fmt;
use leptos::prelude::*;
use nps_core::wire::NpsSummary;

/// One roll-up as a table row: name, NPS, interval, picture, n and what n counts.
fn summary_row(name: &'static str, id: &'static str, s: &NpsSummary, counts: &'static str) -> impl IntoView + use<> {
    let figures = s.nps.map(|nps| (nps, s.interval.low, s.interval.high));
    let n = s.n;
    view! {
        <tr data-rollup=id>
            <th scope="row">{name}</th>
            <td class="num" data-testid=format!("{id}-nps")>{figures.map(|f| fmt::points(f.0)).unwrap_or_else(|| "-".to_owned())}</td>
            <td class="num">{figures.map(|f| format!("{} to {}", fmt::points(f.1), fmt::points(f.2))).unwrap_or_default()}</td>
            <td>{figures.map(|f| view! { <IntervalBar nps=f.0 low=f.1 high=f.2 /> })}</td>
            <td class="num" data-testid=format!("{id}-n")>{n}</td>
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
    let apply = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        load();
    };
    view! {
        <section class="card" aria-labelledby="accounts-title">
            <h2 id="accounts-title">"Accounts (B2B roll-ups)"</h2>
            <form class="filters" on:submit=apply aria-label="Account roll-up sources">
                <label class="field inline"><span>"Account from"</span>
                    <input type="text" name="rollup_account" placeholder="account (or attr:partner)" prop:value=move || account.get() on:input=move |ev| account.set(event_target_value(&ev)) />
                </label>
                <label class="field inline"><span>"Role from"</span>
                    <input type="text" name="rollup_role" placeholder="role (or attr:title)" prop:value=move || role.get() on:input=move |ev| role.set(event_target_value(&ev)) />
                </label>
                <button type="submit">"Roll up"</button>
            </form>
            <Transition fallback=crate::components::loading>{move || match data.get() {
                None => crate::components::loading().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(r)) => rollups_view(r).into_any(),
            }}</Transition>
        </section>
    }
}

fn rollups_view(r: AccountRollups) -> impl IntoView {
    let avg = r.per_account.clone();
    let avg_figures = avg.mean_nps.map(|m| (m, avg.low.unwrap_or(m), avg.high.unwrap_or(m)));
    let roles = r.per_role.clone();
    view! {
        <div class="table-scroll">
            <table class="list" data-testid="rollups-table">
                <caption>"Three ways to count the same answers"</caption>
                <thead><tr>
                    <th scope="col">"Counting"</th><th scope="col" class="num">"NPS"</th><th scope="col" class="num">"95% CI"</th>
                    <th scope="col">"NPS and interval" <IntervalScale /></th><th scope="col" class="num">"n"</th><th scope="col">"n counts"</th>
                </tr></thead>
                <tbody>
                    {summary_row("Every response", "every-response", &r.every_response, "answers")}
                    <tr data-rollup="per-account">
                        <th scope="row">"Per account (each account weighs the same)"</th>
                        <td class="num" data-testid="per-account-nps">{avg_figures.map(|f| fmt::points(f.0)).unwrap_or_else(|| "-".to_owned())}</td>
                        <td class="num">{avg_figures.filter(|_| avg.low.is_some()).map(|f| format!("{} to {}", fmt::points(f.1), fmt::points(f.2))).unwrap_or_default()}</td>
                        <td>{avg_figures.map(|f| view! { <IntervalBar nps=f.0 low=f.1 high=f.2 /> })}</td>
                        <td class="num" data-testid="per-account-n">{avg.accounts}</td>
                        <td class="muted">"accounts (mean of their NPS)"</td>
                    </tr>
                    {summary_row("Decision-maker first", "decision-maker", &r.decision_maker_first, "accounts (buyer, else admin, else users)")}
                </tbody>
            </table>
        </div>
        <p class="muted small">{format!("{} answers named no account (counted in \"every response\" only).", r.without_account)}</p>
        <h3>"NPS per role"</h3>
        {if roles.is_empty() {
            view! { <p class="muted">"No answers carry a role."</p> }.into_any()
        } else {
            view! {
                <table class="list" data-testid="roles-table">
                    <thead><tr>
                        <th scope="col">"Role"</th><th scope="col" class="num">"NPS"</th><th scope="col" class="num">"95% CI"</th>
                        <th scope="col">"NPS and interval" <IntervalScale /></th><th scope="col" class="num">"n"</th>
                    </tr></thead>
                    <tbody>
                        {roles.into_iter().map(|(role, s)| {
                            let figures = s.nps.map(|nps| (nps, s.interval.low, s.interval.high));
                            let key = role.clone();
                            view! {
                                <tr data-role=key>
                                    <th scope="row">{role}</th>
                                    <td class="num">{figures.map(|f| fmt::points(f.0)).unwrap_or_else(|| "-".to_owned())}</td>
                                    <td class="num">{figures.map(|f| format!("{} to {}", fmt::points(f.1), fmt::points(f.2))).unwrap_or_default()}</td>
                                    <td>{figures.map(|f| view! { <IntervalBar nps=f.0 low=f.1 high=f.2 /> })}</td>
                                    <td class="num">{s.n}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
