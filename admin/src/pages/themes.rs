//! Comment themes on the report page: how often each theme of the project's taxonomy comes up
//! in the comments of the range and filters, by band, with its mean sentiment and how much more
//! often detractors raise it than everyone who commented (the lift, with its 95% interval).
//! Employee NPS: the collector releases only themes that keep people anonymous.

use crate::api;
use crate::components::page::Card;
use crate::components::table::{Col, ListTable};
use crate::components::{muted, resource_view};
use crate::fmt;
use crate::{Link, Route};
use leptos::prelude::*;
use nps_core::text::ThemeLift;
use nps_core::wire::{ThemeRow, ThemesReport};

const THEME_COLS: &[Col] = &[Col::Text("Theme"), Col::Num("Comments"), Col::Num("Share"), Col::Num("Detractors"), Col::Num("Passives"),
    Col::Num("Promoters"), Col::Num("Sentiment"), Col::Text("Detractor lift (95% CI)")];

#[component]
pub fn ThemesCard(
    survey_id: i64,
    range: Signal<(Option<i64>, Option<i64>)>,
    filters: Signal<api::ReportFilters>,
    project_id: Signal<Option<i64>>,
) -> impl IntoView {
    // Owners and admins edit the taxonomy (the project's "Comment themes" tool).
    let editable = move || crate::state().user.get().is_some_and(|u| u.role.can_configure());
    let edit_link = move || {
        project_id.get().filter(|_| editable()).map(|p| view! { " " <Link route=Route::Taxonomy(p)>"Edit the themes"</Link> })
    };
    let report = LocalResource::new(move || {
        let (from, to) = range.get();
        let chosen = filters.get();
        async move { api::themes(survey_id, from, to, &chosen).await.map_err(|e| e.message) }
    });
    view! {
        <Card title="Comment themes" title_id="themes-title">
            {resource_view(report, themes_view)}
            <p class="muted small">
                "Themes are matched by the keywords of the project's taxonomy. Lift: how many times more often detractors raise the theme than everyone who commented; "
                "marked when its 95% interval lies above 1."
                {edit_link}
            </p>
        </Card>
    }
}

fn themes_view(report: ThemesReport) -> AnyView {
    if report.withheld {
        return muted("Withheld: too few comments here to show their themes without exposing someone.");
    }
    let mentioned: Vec<ThemeRow> = report.themes.into_iter().filter(|t| t.suppressed || t.comments.unwrap_or(0) > 0).collect();
    if report.comments == 0 || mentioned.is_empty() {
        return muted("No comment in this range mentions a theme.");
    }
    let lift = report.lift;
    view! {
        <p class="small">{format!("{} comments read.", report.comments)}</p>
        <ListTable testid="themes-table" cols=THEME_COLS scroll=true>
            {mentioned.into_iter().map(|row| {
                let lifted = lift.iter().find(|l| l.theme == row.theme).cloned();
                view! { <ThemeLine row=row lift=lifted /> }
            }).collect_view()}
        </ListTable>
    }
    .into_any()
}

#[component]
fn ThemeLine(row: ThemeRow, lift: Option<ThemeLift>) -> impl IntoView {
    let count = |n: Option<u64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let bands = row.by_band.unwrap_or_default();
    let hidden = row.suppressed;
    view! {
        <tr data-theme=row.theme.clone()>
            <th scope="row">{row.theme.clone()}</th>
            <td class="num" data-testid="theme-comments">{count(row.comments)}</td>
            <td class="num">{fmt::rate(row.share)}</td>
            <td class="num">{(!hidden).then(|| bands.detractors.to_string())}</td>
            <td class="num">{(!hidden).then(|| bands.passives.to_string())}</td>
            <td class="num">{(!hidden).then(|| bands.promoters.to_string())}</td>
            <td class="num">{row.mean_sentiment.map_or_else(|| "-".to_owned(), |s| format!("{s:+.2}"))}</td>
            <td data-testid="theme-lift">{lift_text(lift.as_ref(), hidden)}</td>
        </tr>
    }
}

fn lift_text(lift: Option<&ThemeLift>, hidden: bool) -> String {
    match lift {
        _ if hidden => "withheld (a small group)".to_owned(),
        Some(l) => {
            let mark = if l.over_represented { " *" } else { "" };
            format!("{:.2} ({:.2} to {:.2}){mark}", l.lift, l.low, l.high)
        }
        None => "-".to_owned(),
    }
}
