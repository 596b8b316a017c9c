//! The partner programme of a project: the registered partners (tier, region, owning partner
//! manager), a CSV import for those who configure, the coverage report (did a decision-maker
//! at each partner answer in the period?) and NPS per partner, tier or region of a partner
//! survey. A partner manager sees their own partners only: the collector scopes every read.

use crate::api;
use crate::components::csv_import::CsvImport;
use crate::components::date_range::date_range_fields;
use crate::components::page::{Card, Kpi, ProjectCrumbs};
use crate::components::{on_submit, resource_view};
use crate::components::table::{Col, ListTable};
use crate::pages::report::range;
use crate::pages::segments::Segments;
use crate::{fmt, state};
use leptos::prelude::*;
use nps_core::coverage::{CoverageReport, PartnerCoverageRow};
use nps_core::wire::{Partner, Survey, SurveyKind};

const CSV_TEMPLATE: &str = "id,name,tier,region,owner_email\n";

#[component]
pub fn Partners(project_id: i64) -> impl IntoView {
    let partners = LocalResource::new(move || async move { api::partners(project_id).await.map_err(|e| e.message) });
    // The partner surveys: a signal, since the NPS card picks its first one in an effect.
    let surveys = RwSignal::new(Vec::<Survey>::new());
    crate::actions::load(
        move || api::surveys(project_id),
        move |all| surveys.set(all.unwrap_or_default().into_iter().filter(|s| s.kind == SurveyKind::Partner).collect()),
    );
    let can_configure = move || state().user.get().is_some_and(|u| u.role.can_configure());
    // The period of the coverage report and the NPS breakdown, as last applied.
    let applied = RwSignal::new((None::<i64>, None::<i64>));
    view! {
        <ProjectCrumbs project_id=project_id />
        <h1>"Partners"</h1>
        <PartnerList partners=partners />
        <Show when=can_configure>
            <PartnerImportCard project_id=project_id partners=partners />
        </Show>
        <PeriodCard applied=applied />
        <CoverageCard project_id=project_id applied=applied />
        <PartnerNps project_id=project_id surveys=surveys applied=applied />
    }
}

#[component]
fn PartnerList(partners: LocalResource<Result<Vec<Partner>, String>>) -> impl IntoView {
    let empty_hint = move || {
        if state().user.get().is_some_and(|u| u.role.can_configure()) {
            "No partners yet. Import them below from a CSV file: one line per partner organisation."
        } else {
            "No partners are assigned to you yet. An admin assigns them by importing partners with your e-mail as owner_email."
        }
    };
    view! {
        <Card title="Partner organisations" title_id="partners-title">
            {resource_view(partners, move |list| match list.is_empty() {
                true => view! { <p class="muted" data-testid="partners-empty">{empty_hint()}</p> }.into_any(),
                false => view! {
                    <ListTable testid="partners-table" scroll=true cols=&[Col::Text("Name"), Col::Text("Id"), Col::Text("Tier"), Col::Text("Region"), Col::Text("Owner")]>
                        {list.into_iter().map(|p| view! {
                            <tr data-partner=p.id.to_string()>
                                <th scope="row">{p.name.into_inner()}</th>
                                <td><code>{p.id.to_string()}</code></td>
                                <td>{p.tier.unwrap_or_default()}</td>
                                <td>{p.region.unwrap_or_default()}</td>
                                <td>{p.owner_email.unwrap_or_else(|| "nobody (admins only)".to_owned())}</td>
                            </tr>
                        }).collect_view()}
                    </ListTable>
                }.into_any(),
            })}
        </Card>
    }
}

#[component]
fn PartnerImportCard(
    project_id: i64,
    partners: LocalResource<Result<Vec<Partner>, String>>,
) -> impl IntoView {
    let submit = move |text: String| async move {
        let list = api::import_partners_csv(project_id, &text).await?;
        let message = format!("Saved. The project has {} partner(s).", list.len());
        partners.set(Some(Ok(list)));
        Ok(message)
    };
    view! {
        <Card title="Import partners" title_id="partner-import-title">
            <CsvImport name="partners_csv" label="Partners CSV (id and name required; tier, region, owner_email optional)"
                template=CSV_TEMPLATE button="Import partners" submit=submit>
                <p class="muted small">
                    "A partner's id is what its contacts carry in the partner column of a campaign's recipients. "
                    "owner_email names the partner manager who reads that partner's answers. An existing id is updated."
                </p>
            </CsvImport>
        </Card>
    }
}

/// The period of the coverage and NPS cards below.
#[component]
fn PeriodCard(applied: RwSignal<(Option<i64>, Option<i64>)>) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let apply = on_submit(move || {
        applied.set(range(&from.get_untracked(), &to.get_untracked()));
    });
    view! {
        <section class="card">
            <form class="filters" on:submit=apply aria-label="Period">
                {date_range_fields(from, to)}
                <button type="submit">"Apply"</button>
                <span class="muted small">"Empty dates: all answers."</span>
            </form>
        </section>
    }
}

#[component]
fn CoverageCard(project_id: i64, applied: RwSignal<(Option<i64>, Option<i64>)>) -> impl IntoView {
    // A resource over the applied period (see `crate::asked`).
    let report = LocalResource::new(move || {
        let (from, to) = applied.get();
        async move { api::partner_coverage(project_id, from, to).await.map_err(|e| e.message) }
    });
    view! {
        <Card title="Coverage" title_id="coverage-title">
            {resource_view(report, |r| view! { <CoverageSummaryView report=r /> })}
        </Card>
    }
}

const COVERAGE_COLS: &[Col] = &[Col::Text("Partner"), Col::Text("Tier"), Col::Text("Region"), Col::Num("Invited"),
    Col::Num("Decision-makers invited"), Col::Num("Answered"), Col::Text("Decision-maker answered")];

#[component]
fn CoverageSummaryView(report: CoverageReport) -> impl IntoView {
    let s = report.summary.clone();
    let roles = report.decision_maker_roles.join(" or ");
    if report.partners.is_empty() {
        return view! {
            <p class="muted" data-testid="coverage-empty">
                "No partner contacts or answers yet. Create a campaign from a partner survey's Campaigns tab "
                "and import its contacts with a partner column (the partner's id) and a role column."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="kpis">
            <Kpi class="kpi big" label="Partners covered" value=fmt::rate(s.coverage) testid="coverage-rate"
                sub=format!("{} of {} partners: a decision-maker answered", s.partners_covered, s.partners) sub_testid="coverage-summary" />
            <Kpi label="Partners answered" value=s.partners_answered.to_string() sub=format!("of {} with at least one answer", s.partners) />
        </div>
        <ListTable testid="coverage-table" scroll=true caption="Coverage per partner" hidden_caption=true cols=COVERAGE_COLS>
            {report.partners.into_iter().map(|row| view! { <CoverageRow row=row /> }).collect_view()}
        </ListTable>
        <p class="muted small">{format!("Decision-makers are contacts whose role is {roles}.")}</p>
    }
    .into_any()
}

#[component]
fn CoverageRow(row: PartnerCoverageRow) -> impl IntoView {
    let c = row.coverage;
    let covered = c.decision_maker_answered;
    view! {
        <tr data-partner=c.partner.clone()>
            <th scope="row">{row.name.unwrap_or_else(|| format!("{} (not registered)", c.partner))}</th>
            <td>{row.tier.unwrap_or_default()}</td>
            <td>{row.region.unwrap_or_default()}</td>
            <td class="num">{c.contacts_invited}</td>
            <td class="num">{c.decision_makers_invited}</td>
            <td class="num" data-testid="coverage-answered">{c.contacts_answered}</td>
            <td data-testid="coverage-covered">
                <span class=if covered { "status live" } else { "status" }>{if covered { "yes" } else { "no" }}</span>
            </td>
        </tr>
    }
}

/// NPS per partner (or tier, region: any attribute the contacts carry) of one partner survey.
#[component]
fn PartnerNps(
    project_id: i64,
    surveys: RwSignal<Vec<Survey>>,
    applied: RwSignal<(Option<i64>, Option<i64>)>,
) -> impl IntoView {
    let chosen = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if chosen.get_untracked().is_none() {
            chosen.set(surveys.get().first().map(|s| s.id));
        }
    });
    let no_filters = Signal::derive(api::ReportFilters::default);
    view! {
        <Card title="NPS by partner" title_id="partner-nps-title">
            {move || match surveys.get().len() {
                0 => view! { <p class="muted">"No partner survey yet: create one of kind partner NPS on the project page."</p> }.into_any(),
                1 => view! { <p class="muted small">"Break down by partner, or by tier or region when the contacts carry those columns."</p> }.into_any(),
                _ => view! {
                    <label class="field small"><span>"Partner survey"</span>
                        <select name="partner_survey" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                            {surveys.get().into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                        </select>
                    </label>
                }.into_any(),
            }}
        </Card>
        {move || chosen.get().map(|id| view! { <Segments survey_id=id range=applied.into() filters=no_filters attribute="partner" project_id=Signal::derive(move || Some(project_id)) /> })}
    }
}
