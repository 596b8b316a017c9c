//! Revenue and churn of a project: the business data behind them (imported from CSV: MRR or
//! ARR, renewal, churn, plan, owner), the revenue-weighted NPS beside the unweighted ones,
//! churned against retained accounts, and the renewals coming up with each account's latest
//! NPS.

use crate::api;
use crate::components::loaded;
use crate::components::csv_import::CsvImport;
use crate::{Link, Route, fmt, state};
use leptos::prelude::*;
use nps_core::churn::{ChurnSplit, RevenueWeighted};
use nps_core::wire::{Renewal, RevenueReport, WeightedAccount};

const CSV_TEMPLATE: &str = "account_id,mrr,renewal_date,churned,churn_date,plan,owner\n";
/// The weighted accounts listed (heaviest first); the figures count every one.
const HEAVIEST: usize = 20;

/// `12.50` from cents, `-` when unknown.
pub fn money(cents: Option<i64>) -> String {
    cents.map_or_else(
        || "-".to_owned(),
        |c| format!("{}.{:02}", c / 100, (c % 100).abs()),
    )
}

/// `32 (18 to 45)`: a figure and its interval, or `-` without answers.
pub fn with_interval(nps: Option<f64>, low: Option<f64>, high: Option<f64>) -> String {
    match (nps, low, high) {
        (Some(n), Some(l), Some(h)) => format!(
            "{} ({} to {})",
            fmt::points(n),
            fmt::points(l),
            fmt::points(h)
        ),
        (Some(n), _, _) => fmt::points(n),
        _ => "-".to_owned(),
    }
}

#[component]
pub fn Revenue(project_id: i64) -> impl IntoView {
    let with_data = LocalResource::new(move || async move { api::business_data(project_id).await.ok().map(|list| list.len()) });
    let report = LocalResource::new(move || async move { api::revenue(project_id).await.map_err(|e| e.message) });
    // After an import both are read again.
    let load = move || {
        with_data.refetch();
        report.refetch();
    };
    let can_configure = move || state().user.get().is_some_and(|u| u.role.can_configure());
    let submit = move |text: String| async move {
        let summary = api::import_business_csv(project_id, &text).await?;
        load();
        Ok(format!(
            "Saved: {} account(s) added or updated.",
            summary.upserted
        ))
    };
    view! {
        <p class="crumbs"><Link route=Route::Projects>"Projects"</Link>" / "<Link route=Route::Project(project_id)>"Project"</Link></p>
        <h1>"Revenue and churn"</h1>
        <section class="card" aria-labelledby="business-title">
            <h2 id="business-title">"Business data"</h2>
            <p data-testid="business-count"><Transition fallback=|| "Loading...">{move || match with_data.get().flatten() {
                None => "Loading...".to_owned(),
                Some(0) => "No account has business data yet: the revenue figures below need each account's MRR (or ARR).".to_owned(),
                Some(n) => format!("{n} account(s) have business data."),
            }}</Transition></p>
            <Show when=can_configure>
                <CsvImport name="business_csv" label="Accounts CSV (account_id required)" template=CSV_TEMPLATE button="Import accounts" submit=submit>
                    <p class="muted small">
                        "Columns: account_id (as your app sends it), mrr, or arr or revenue (yearly), renewal_date and churn_date "
                        "(YYYY-MM-DD), churned (yes/no), plan, owner. Amounts like 1200.50. An empty cell keeps the stored value."
                    </p>
                </CsvImport>
            </Show>
        </section>
        <Transition fallback=crate::components::loading>{move || loaded(report.get(), |r| view! { <RevenueCards report=r /> }.into_any())}</Transition>
    }
}

#[component]
fn RevenueCards(report: RevenueReport) -> impl IntoView {
    let RevenueReport {
        revenue_weighted,
        per_account,
        every_response,
        mut accounts,
        accounts_without_revenue,
        churned_left_out,
        churn,
        renewals,
        renewal_days,
        formula,
        ..
    } = report;
    accounts.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let listed = accounts.len().min(HEAVIEST);
    accounts.truncate(HEAVIEST);
    let left_out = (!accounts_without_revenue.is_empty() || !churned_left_out.is_empty()).then(|| {
        format!(
            "Left out of the weighted NPS: {} account(s) with answers but no revenue, {} churned account(s).",
            accounts_without_revenue.len(),
            churned_left_out.len()
        )
    });
    view! {
        <section class="card" aria-labelledby="weighted-title">
            <h2 id="weighted-title">"Revenue-weighted NPS"</h2>
            <WeightedKpis weighted=revenue_weighted.clone() per_account_nps=with_interval(per_account.mean_nps, per_account.low, per_account.high)
                per_account_n=per_account.accounts every_response=fmt::headline(&every_response) />
            {left_out.map(|t| view! { <p class="muted small" data-testid="left-out">{t}</p> })}
            {(!accounts.is_empty()).then(|| view! { <WeightedTable accounts=accounts listed=listed total=revenue_weighted.accounts /> })}
            <p class="muted small">{formula}</p>
        </section>
        <section class="card" aria-labelledby="churn-title">
            <h2 id="churn-title">"Churned against retained accounts"</h2>
            <ChurnTable every_response=churn.every_response decision_maker_first=churn.decision_maker_first />
        </section>
        <section class="card" aria-labelledby="renewals-title">
            <h2 id="renewals-title">{format!("Renewals in the next {renewal_days} days")}</h2>
            <RenewalsTable renewals=renewals />
        </section>
    }
}

#[component]
fn WeightedKpis(
    weighted: RevenueWeighted,
    per_account_nps: String,
    per_account_n: u64,
    every_response: String,
) -> impl IntoView {
    let effective = weighted
        .effective_accounts
        .map(|e| format!(", worth {e:.1} equal accounts"))
        .unwrap_or_default();
    view! {
        <div class="kpis">
            <div class="kpi big">
                <span class="kpi-label">"Revenue-weighted NPS (95% CI)"</span>
                <span class="kpi-value" data-testid="weighted-nps">{with_interval(weighted.nps, weighted.low, weighted.high)}</span>
                <span class="kpi-sub">{format!("{} account(s), MRR {}{effective}", weighted.accounts, money(Some(weighted.total_mrr_cents)))}</span>
            </div>
            <div class="kpi">
                <span class="kpi-label">"Each account weighing the same"</span>
                <span class="kpi-value" data-testid="per-account-nps">{per_account_nps}</span>
                <span class="kpi-sub">{format!("{per_account_n} account(s)")}</span>
            </div>
            <div class="kpi">
                <span class="kpi-label">"Every response"</span>
                <span class="kpi-sub" data-testid="every-response">{every_response}</span>
            </div>
        </div>
    }
}

#[component]
fn WeightedTable(accounts: Vec<WeightedAccount>, listed: usize, total: u64) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="list" data-testid="weighted-table">
                <caption>{format!("The {listed} heaviest of {total} weighted account(s)")}</caption>
                <thead><tr>
                    <th scope="col">"Account"</th><th scope="col" class="num">"NPS"</th><th scope="col" class="num">"Answers"</th>
                    <th scope="col" class="num">"MRR"</th><th scope="col" class="num">"Weight"</th>
                </tr></thead>
                <tbody>
                    {accounts.into_iter().map(|a| view! {
                        <tr data-account=a.account.clone()>
                            <th scope="row">{a.account.clone()}</th>
                            <td class="num">{fmt::points(a.nps)}</td>
                            <td class="num">{a.answers}</td>
                            <td class="num">{money(Some(a.mrr_cents))}</td>
                            <td class="num" data-testid="weight">{fmt::rate(Some(a.weight))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ChurnTable(every_response: ChurnSplit, decision_maker_first: ChurnSplit) -> impl IntoView {
    let row = |label: &'static str, split: ChurnSplit| {
        let nps = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), fmt::points);
        let test = split.comparison.map_or_else(
            || "too few answers to compare".to_owned(),
            |c| {
                format!(
                    "{}{}",
                    if c.significant {
                        "significant: "
                    } else {
                        "not significant: "
                    },
                    crate::pages::segments::versus_rest(&c)
                )
            },
        );
        view! {
            <tr>
                <th scope="row">{label}</th>
                <td class="num" data-testid="churned-nps">{nps(split.churned_nps)}</td>
                <td class="num">{split.churned_accounts}</td>
                <td class="num" data-testid="retained-nps">{nps(split.retained_nps)}</td>
                <td class="num">{split.retained_accounts}</td>
                <td>{test}</td>
            </tr>
        }
    };
    view! {
        <div class="table-scroll">
            <table class="list" data-testid="churn-table">
                <thead><tr>
                    <th scope="col">"Counting"</th><th scope="col" class="num">"Churned NPS"</th><th scope="col" class="num">"Churned accounts"</th>
                    <th scope="col" class="num">"Retained NPS"</th><th scope="col" class="num">"Retained accounts"</th><th scope="col">"Churned minus retained"</th>
                </tr></thead>
                <tbody>
                    {row("every response", every_response)}
                    {row("one answer per account (decision-maker first)", decision_maker_first)}
                </tbody>
            </table>
        </div>
        <p class="muted small">"Counting every response treats the answers of one account as independent, which they are not: prefer the second line's test."</p>
    }
}

#[component]
fn RenewalsTable(renewals: Vec<Renewal>) -> impl IntoView {
    if renewals.is_empty() {
        return view! { <p class="muted" data-testid="renewals-empty">"No renewal in this period. Import renewal dates with the business data."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="list" data-testid="renewals-table">
                <thead><tr>
                    <th scope="col">"Account"</th><th scope="col">"Renewal"</th><th scope="col" class="num">"Days left"</th>
                    <th scope="col" class="num">"MRR"</th><th scope="col">"Plan"</th><th scope="col">"Owner"</th>
                    <th scope="col" class="num">"Latest NPS"</th><th scope="col">"At risk"</th>
                </tr></thead>
                <tbody>
                    {renewals.into_iter().map(|r| view! {
                        <tr data-account=r.account.clone()>
                            <th scope="row">{r.account.clone()}</th>
                            <td>{r.renewal_date}</td>
                            <td class="num">{format!("{:.0}", r.days_left)}</td>
                            <td class="num">{money(r.mrr_cents)}</td>
                            <td>{r.plan.unwrap_or_default()}</td>
                            <td>{r.owner.unwrap_or_default()}</td>
                            <td class="num">{r.latest_nps.map_or_else(|| "no answer".to_owned(), fmt::points)}{r.latest_wave.map(|w| format!(" ({w})"))}</td>
                            <td data-testid="renewal-at-risk">{if r.at_risk { "yes" } else { "" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_units_and_two_decimals() {
        assert_eq!(money(Some(120_050)), "1200.50");
        assert_eq!(money(Some(7)), "0.07");
        assert_eq!(money(None), "-");
    }

    #[test]
    fn a_figure_shows_its_interval_when_it_has_one() {
        assert_eq!(
            with_interval(Some(32.4), Some(18.0), Some(45.5)),
            "32 (18 to 46)"
        );
        assert_eq!(with_interval(Some(10.0), None, None), "10");
        assert_eq!(with_interval(None, None, None), "-");
    }
}
