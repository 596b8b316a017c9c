//! Revenue and churn of a project: the business data behind them (imported from CSV: MRR or
//! ARR, renewal, churn, plan, owner), the revenue-weighted NPS beside the unweighted ones,
//! churned against retained accounts, and the renewals coming up with each account's latest
//! NPS.

use crate::api;
use crate::components::csv_import::CsvImport;
use crate::components::page::{Card, Kpi, ProjectCrumbs};
use crate::components::resource_view;
use crate::components::table::{Col, ListTable};
use crate::{fmt, state};
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
        <ProjectCrumbs project_id=project_id />
        <h1>"Revenue and churn"</h1>
        <Card title="Business data" title_id="business-title">
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
        </Card>
        {resource_view(report, |r| view! { <RevenueCards report=r /> })}
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
        <Card title="Revenue-weighted NPS" title_id="weighted-title">
            <WeightedKpis weighted=revenue_weighted.clone() per_account_nps=with_interval(per_account.mean_nps, per_account.low, per_account.high)
                per_account_n=per_account.accounts every_response=fmt::headline(&every_response) />
            {left_out.map(|t| view! { <p class="muted small" data-testid="left-out">{t}</p> })}
            {(!accounts.is_empty()).then(|| view! { <WeightedTable accounts=accounts listed=listed total=revenue_weighted.accounts /> })}
            <p class="muted small">{formula}</p>
        </Card>
        <Card title="Churned against retained accounts" title_id="churn-title">
            <ChurnTable every_response=churn.every_response decision_maker_first=churn.decision_maker_first />
        </Card>
        <Card title=format!("Renewals in the next {renewal_days} days") title_id="renewals-title">
            <RenewalsTable renewals=renewals />
        </Card>
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
            <Kpi class="kpi big" label="Revenue-weighted NPS (95% CI)" value=with_interval(weighted.nps, weighted.low, weighted.high) testid="weighted-nps"
                sub=format!("{} account(s), MRR {}{effective}", weighted.accounts, money(Some(weighted.total_mrr_cents))) />
            <Kpi label="Each account weighing the same" value=per_account_nps testid="per-account-nps" sub=format!("{per_account_n} account(s)") />
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
        <ListTable testid="weighted-table" scroll=true caption=format!("The {listed} heaviest of {total} weighted account(s)")
            cols=&[Col::Text("Account"), Col::Num("NPS"), Col::Num("Answers"), Col::Num("MRR"), Col::Num("Weight")]>
            {accounts.into_iter().map(|a| view! {
                <tr data-account=a.account.clone()>
                    <th scope="row">{a.account.clone()}</th>
                    <td class="num">{fmt::points(a.nps)}</td>
                    <td class="num">{a.answers}</td>
                    <td class="num">{money(Some(a.mrr_cents))}</td>
                    <td class="num" data-testid="weight">{fmt::rate(Some(a.weight))}</td>
                </tr>
            }).collect_view()}
        </ListTable>
    }
}

const CHURN_COLS: &[Col] = &[Col::Text("Counting"), Col::Num("Churned NPS"), Col::Num("Churned accounts"), Col::Num("Retained NPS"),
    Col::Num("Retained accounts"), Col::Text("Churned minus retained")];

#[component]
fn ChurnTable(every_response: ChurnSplit, decision_maker_first: ChurnSplit) -> impl IntoView {
    let row = |label: &'static str, split: ChurnSplit| {
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
                <td class="num" data-testid="churned-nps">{fmt::nps(split.churned_nps)}</td>
                <td class="num">{split.churned_accounts}</td>
                <td class="num" data-testid="retained-nps">{fmt::nps(split.retained_nps)}</td>
                <td class="num">{split.retained_accounts}</td>
                <td>{test}</td>
            </tr>
        }
    };
    view! {
        <ListTable testid="churn-table" scroll=true cols=CHURN_COLS>
            {row("every response", every_response)}
            {row("one answer per account (decision-maker first)", decision_maker_first)}
        </ListTable>
        <p class="muted small">"Counting every response treats the answers of one account as independent, which they are not: prefer the second line's test."</p>
    }
}

#[component]
fn RenewalsTable(renewals: Vec<Renewal>) -> impl IntoView {
    if renewals.is_empty() {
        return view! { <p class="muted" data-testid="renewals-empty">"No renewal in this period. Import renewal dates with the business data."</p> }.into_any();
    }
    const COLS: &[Col] = &[Col::Text("Account"), Col::Text("Renewal"), Col::Num("Days left"), Col::Num("MRR"), Col::Text("Plan"),
        Col::Text("Owner"), Col::Num("Latest NPS"), Col::Text("At risk")];
    view! {
        <ListTable testid="renewals-table" scroll=true cols=COLS>
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
        </ListTable>
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
