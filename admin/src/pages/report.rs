//! The NPS report of one survey over a date range: headline with its interval, bands,
//! response rate, exclusions per rule, and the trend per day / week / month.

use crate::api::{self, Exclusions};
use crate::components::distribution::Distribution;
use crate::components::fields::{SelectField, options};
use crate::components::nps_headline::NpsHeadline;
use crate::components::table::{Col, ListTable};
use crate::components::trend_chart::TrendChart;
use crate::components::{muted, on_submit, resource_view};
use crate::pages::accounts::AccountRollupsCard;
use crate::pages::explain::Explain;
use crate::pages::segments::Segments;
use crate::pages::themes::ThemesCard;
use crate::{Link, Route, fmt};
use crate::components::date_range::date_range_fields;
use crate::components::page::Card;
use leptos::prelude::*;
use nps_core::disclosure::WaveRelease;
use nps_core::wire::{NpsReport, Survey, SurveyKind};

const DAY: i64 = 86_400_000;

/// The selected range as the API wants it: `from` inclusive, `to` exclusive (the day after
/// the last selected day).
pub fn range(from: &str, to: &str) -> (Option<i64>, Option<i64>) {
    (fmt::parse_date(from), fmt::parse_date(to).map(|t| t + DAY))
}

#[component]
pub fn SurveyTabs(survey_id: i64, current: Route, survey: RwSignal<Option<Survey>>) -> impl IntoView {
    let tab = move |route: Route, label: &'static str| {
        let class = if route == current { "tab current".to_owned() } else { "tab".to_owned() };
        view! { <Link route=route class=class>{label}</Link> }
    };
    view! {
        <p class="crumbs">
            <Link route=Route::Projects>"Projects"</Link>
            {move || survey.get().map(|s| view! { " / " <Link route=Route::Project(s.project_id)>"Project"</Link> })}
        </p>
        <h1>{move || survey.get().map(|s| s.name).unwrap_or_else(|| format!("Survey {survey_id}"))}</h1>
        <nav class="tabs" aria-label="Survey">
            {tab(Route::Survey(survey_id), "Editor")}
            {tab(Route::Report(survey_id), "Report")}
            {tab(Route::Responses(survey_id), "Responses")}
            {tab(Route::NewCampaign(survey_id), "Campaigns")}
        </nav>
    }
}

/// The survey a tab is about, once loaded (the tabs show its name, pages read its project).
pub fn survey_of(survey_id: i64) -> RwSignal<Option<Survey>> {
    let survey = RwSignal::new(None::<Survey>);
    crate::actions::load(
        move || api::survey(survey_id),
        move |answer| {
            if let Ok(s) = answer {
                survey.set(Some(s));
            }
        },
    );
    survey
}

/// What the report was last asked for: the form's values when it was applied.
#[derive(Clone, PartialEq)]
struct Asked {
    range: (Option<i64>, Option<i64>),
    granularity: String,
    filters: api::ReportFilters,
}

#[component]
pub fn Report(survey_id: i64) -> impl IntoView {
    let survey = survey_of(survey_id);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let granularity = RwSignal::new("week".to_owned());
    let filters = RwSignal::new(api::ReportFilters::default());
    // Employee NPS: the wave picked ("" = the latest).
    let wave = RwSignal::new(String::new());
    let disclosed = Disclosed::new();
    let dated = move || !disclosed.protected.get() && survey.with(|s| s.as_ref().is_none_or(|s| s.kind != SurveyKind::Enps));
    // What the form says now; the resources below follow what it said when last applied.
    let form = move || Asked {
        range: range(&from.get_untracked(), &to.get_untracked()),
        granularity: granularity.get_untracked(),
        filters: api::ReportFilters { wave: wave.get_untracked(), ..filters.get_untracked() },
    };
    let asked = RwSignal::new(form());
    let load = move || crate::asked::ask(asked, form());
    // Resources over what was asked (see `crate::asked`).
    let report = LocalResource::new(move || {
        let a = asked.get();
        async move {
            let answer = api::nps_report(survey_id, a.range.0, a.range.1, &a.granularity, &a.filters).await.map_err(|e| e.message);
            if let Ok(r) = &answer {
                disclosed.note(r.disclosure.as_ref());
            }
            answer
        }
    });
    let exclusions = LocalResource::new(move || {
        let (f, t) = asked.with(|a| a.range);
        async move { api::exclusions(survey_id, f, t).await.map_err(|e| e.message) }
    });
    // The range and filters last applied: the segment, account and explain sections follow them.
    let applied = Memo::new(move |_| asked.with(|a| a.range));
    let applied_filters = Memo::new(move |_| asked.with(|a| a.filters.clone()));
    let actions = project_actions(survey);
    let project_id = Signal::derive(move || survey.get().map(|s| s.project_id));
    let apply = on_submit(load);
    view! {
        <SurveyTabs survey_id=survey_id current=Route::Report(survey_id) survey=survey />
        <form class="filters card" on:submit=apply aria-label="Report range">
            <Show when=dated>
                {date_range_fields(from, to)}
                <SelectField label="Trend per" name="granularity" value=granularity on_pick=Callback::new(move |()| load())
                    options=&[("day", "day"), ("week", "week"), ("month", "month")] />
            </Show>
            <WavePicker wave=wave waves=disclosed.waves on_pick=Callback::new(move |()| load()) />
            <button type="submit">"Apply"</button>
            <ReportFilterFields filters=filters />
        </form>
        {resource_view(report, move |r| match r.disclosure.as_ref().is_some_and(|d| d.withheld) {
            true => view! { <Withheld disclosure=r.disclosure /> }.into_any(),
            false => view! { <ReportBody report=r exclusions=exclusions actions=actions applied=applied survey_id=survey_id /> }.into_any(),
        })}
        <Segments survey_id=survey_id range=applied.into() filters=applied_filters.into() project_id=project_id groups=disclosed.groups />
        <ThemesCard survey_id=survey_id range=applied.into() filters=applied_filters.into() project_id=project_id />
        // Employee NPS has no accounts and no in-app decisions: these cards would only refuse.
        {move || survey.get().filter(|s| s.kind != SurveyKind::Enps).map(|_| view! {
            <AccountRollupsCard survey_id=survey_id range=applied.into() />
            <Explain survey_id=survey_id />
        })}
    }
}

/// Employee NPS whose figures the disclosure rules withhold: say so, and why, instead of
/// showing zeros.
#[component]
fn Withheld(disclosure: Option<nps_core::disclosure::Disclosure>) -> impl IntoView {
    let (k, wave) = disclosure.map_or((5, 1), |d| (d.thresholds.min_group, d.wave));
    view! {
        <div class="card withheld" role="status" data-testid="withheld">
            <h2>"Withheld"</h2>
            <p>{format!("Fewer than {k} answers in wave {wave}, or showing this group would expose a smaller one.")}</p>
            <p class="muted small">"Employee NPS shows groups of at least this size only, so that nobody can be singled out. Results update in steps of that many answers."</p>
        </div>
    }
}

/// Actions recorded because of NPS in the survey's project, shown alongside the trend (roles
/// that cannot read the action log simply see none).
fn project_actions(survey: RwSignal<Option<Survey>>) -> RwSignal<Vec<nps_core::actions::Action>> {
    let actions = RwSignal::new(Vec::new());
    let load = crate::actions::write(api::actions, move |answer| {
        if let Ok(list) = answer {
            actions.set(list);
        }
    });
    Effect::new(move |_| {
        if let Some(project_id) = survey.with(|s| s.as_ref().map(|s| s.project_id)) {
            load.dispatch(project_id);
        }
    });
    actions
}

/// What the last report said about its disclosure, for the form and the segments. Set from
/// the report resource's future, not read from the resource by an effect: reading a resource
/// outside its own view would suspend the whole page, form included, until it resolves.
#[derive(Clone, Copy)]
struct Disclosed {
    /// A protected report (employee NPS, anonymous partner campaigns) is per wave: it has no
    /// date range or period to pick, and the API would refuse one.
    protected: RwSignal<bool>,
    /// The waves the picker offers (a withheld report lists them too).
    waves: RwSignal<Vec<WaveRelease>>,
    /// The group attributes: the only breakdowns a protected report releases.
    groups: RwSignal<Vec<String>>,
}

impl Disclosed {
    fn new() -> Self {
        Self { protected: RwSignal::new(false), waves: RwSignal::new(Vec::new()), groups: RwSignal::new(Vec::new()) }
    }

    fn note(self, disclosure: Option<&nps_core::disclosure::Disclosure>) {
        set_if_changed(self.protected, disclosure.is_some());
        set_if_changed(self.waves, disclosure.map(|d| d.waves.clone()).unwrap_or_default());
        set_if_changed(self.groups, disclosure.map(|d| d.group_attributes.clone()).unwrap_or_default());
    }
}

/// Sets `signal` only when the value differs, so that what follows it is not redrawn.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|v| *v != value) {
        signal.set(value);
    }
}

/// Employee NPS reports one campaign wave at a time: which one, when the survey has had more
/// than one. A withheld wave says so in its name, so HR can go back to the last released one.
#[component]
fn WavePicker(wave: RwSignal<String>, waves: RwSignal<Vec<WaveRelease>>, on_pick: Callback<()>) -> impl IntoView {
    let label = |w: &WaveRelease| {
        let withheld = if w.withheld { ", withheld" } else { "" };
        format!("Wave {} (from {}{withheld})", w.wave, fmt::date(Some(w.started_at)))
    };
    move || {
        (waves.with(Vec::len) > 1).then(|| {
            let choices = waves.get().iter().rev().map(|w| view! { <option value=w.wave.to_string()>{label(w)}</option> }).collect_view();
            view! {
                <SelectField label="Wave" name="wave" value=wave on_pick=on_pick>
                    <option value="">"Latest"</option>
                    {choices}
                </SelectField>
            }
        })
    }
}

/// For employee NPS: which wave the figures cover and the group size they respect.
#[component]
fn DisclosureNote(disclosure: Option<nps_core::disclosure::Disclosure>) -> impl IntoView {
    disclosure.map(|d| {
        let withheld = d.waves.iter().filter(|w| w.withheld).count();
        let waves = if withheld > 0 { format!(" {withheld} wave(s) withheld (fewer than {} answers).", d.thresholds.min_group) } else { String::new() };
        view! {
            <p class="muted small" data-testid="disclosure-note">
                {format!(
                    "Employee NPS, wave {}: groups under {} answers are withheld, results update in steps of {} answers.{waves}",
                    d.wave, d.thresholds.min_group, d.thresholds.min_group
                )}
            </p>
        }
    })
}

/// What was decided because of NPS in the reported range (this survey's actions and the
/// project-wide ones), next to the trend it may have moved.
#[component]
fn ActionsInRange(
    actions: Signal<Vec<nps_core::actions::Action>>,
    range: Signal<(Option<i64>, Option<i64>)>,
    survey_id: i64,
) -> impl IntoView {
    move || {
        let (from, to) = range.get();
        let mut list: Vec<nps_core::actions::Action> = actions
            .get()
            .into_iter()
            .filter(|a| a.input.survey_id.is_none_or(|s| s == survey_id))
            .filter(|a| from.is_none_or(|f| a.input.decided_at >= f) && to.is_none_or(|t| a.input.decided_at < t))
            .collect();
        list.sort_by_key(|a| a.input.decided_at);
        if list.is_empty() {
            return view! { <p class="muted small" data-testid="trend-actions">"No action recorded in this range."</p> }.into_any();
        }
        view! {
            <div data-testid="trend-actions">
                <h3>"Actions decided in this range"</h3>
                <ul>
                    {list.into_iter().map(|a| {
                        let owner = a.input.owner.map(|o| format!(" (owner: {o})")).unwrap_or_default();
                        view! {
                            <li>
                                <time>{fmt::date(Some(a.input.decided_at))}</time>
                                " — "<strong>{a.input.title.into_inner()}</strong>": "{a.input.decision.into_inner()}{owner}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        }.into_any()
    }
}

/// Filters of the headline, distribution and trend: band, comment, text, attribute values,
/// dedupe to each respondent's latest answer, internal / test users.
#[component]
fn ReportFilterFields(filters: RwSignal<api::ReportFilters>) -> impl IntoView {
    let set = move |f: fn(&mut api::ReportFilters, String)| move |ev: web_sys::Event| filters.update(|s| f(s, event_target_value(&ev)));
    view! {
        <fieldset class="report-filters">
            <legend>"Filters (headline, distribution, trend and segments)"</legend>
            <label class="field inline"><span>"Band"</span>
                <select name="filter_band" on:change=set(|s, v| s.band = v)>
                    {options(&[("", "all"), ("detractor", "detractors"), ("passive", "passives"), ("promoter", "promoters")])}
                </select>
            </label>
            <label class="field inline"><span>"Comment"</span>
                <select name="filter_comment" on:change=set(|s, v| s.has_comment = v)>
                    {options(&[("", "any"), ("true", "with a comment"), ("false", "without")])}
                </select>
            </label>
            <label class="field inline"><span>"Comment contains"</span>
                <input type="search" name="filter_text" on:change=set(|s, v| s.text = v) />
            </label>
            <label class="field inline"><span>"Attributes (key:value; ...)"</span>
                <input type="text" name="filter_attr" placeholder="plan:pro" on:change=set(|s, v| s.attr = v) />
            </label>
            <label class="field inline"><span>"Count"</span>
                <select name="filter_counting" on:change=set(|s, v| s.counting = v)>
                    {options(&[("", "every answer"), ("latest_per_user", "each respondent's latest answer")])}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="include_internal"
                    on:change=move |ev| filters.update(|s| s.include_internal = event_target_checked(&ev)) />
                <span>"Include internal / test users"</span>
            </label>
        </fieldset>
    }
}

/// The report's figures once loaded: headline, distribution, exclusions, trend with actions.
#[component]
fn ReportBody(
    report: NpsReport,
    exclusions: LocalResource<Result<Exclusions, String>>,
    actions: RwSignal<Vec<nps_core::actions::Action>>,
    applied: Memo<(Option<i64>, Option<i64>)>,
    survey_id: i64,
) -> impl IntoView {
    let r = report;
    view! {
        <div class="card">
            <NpsHeadline summary=r.overall.clone() />
            <p class="muted small">"Counting: every answer with a score; dismissals count in the response rate only. Interval: adjusted Wald, 95%."</p>
            <DisclosureNote disclosure=r.disclosure.clone() />
        </div>
        <div class="grid-2">
            <Card title="Distribution">
                <Distribution counts=r.overall.counts />
            </Card>
            // Protected surveys are answered on hosted pages: no eligibility decisions to count.
            {r.disclosure.is_none().then(|| view! { <ExclusionsCard exclusions=exclusions /> })}
        </div>
        <Card title="Trend">
            {if r.periods.is_empty() {
                muted("No answers or displays in this period.")
            } else {
                view! { <TrendChart periods=r.periods.clone() /> }.into_any()
            }}
            <ActionsInRange actions=actions.into() range=applied.into() survey_id=survey_id />
        </Card>
    }
}

/// Users the eligibility rules kept from the survey in the period, per rule.
#[component]
fn ExclusionsCard(exclusions: LocalResource<Result<Exclusions, String>>) -> impl IntoView {
    view! {
        <Card title="Excluded users per rule">
            {resource_view(exclusions, |x| match x.rules.is_empty() {
                true => muted("No eligibility decisions in this period."),
                false => view! {
                    <ListTable testid="exclusions-table" class="numbers" cols=&[Col::Text("Rule"), Col::Text("Users"), Col::Text("Decisions")]>
                        {x.rules.into_iter().map(|r| view! {
                            <tr><th scope="row">{r.rule.as_str().replace('_', " ")}</th><td>{r.users}</td><td>{r.decisions}</td></tr>
                        }).collect_view()}
                    </ListTable>
                    <p class="muted small">"\"eligible\" counts the users who were asked."</p>
                }.into_any(),
            })}
        </Card>
    }
}
