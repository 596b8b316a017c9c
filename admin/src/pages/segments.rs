//! Segments on the report page: NPS broken down by one dimension (a user attribute, role in
//! the account, account, trigger, language, device or survey), each segment with its 95%
//! interval drawn on a shared scale, n, and a flag when it differs significantly from the
//! rest of the answers. Small segments are marked; suppressed ones (employee NPS anonymity)
//! show no figures.

use crate::api::{self, Segment, SegmentReport};
use crate::components::fields::{NumberField, SelectField, TextField};
use crate::components::interval_bar::{NpsCells, interval_head};
use crate::components::{muted, on_submit, resource_view};
use crate::components::table::{Col, ListTable};
use crate::fmt;
use crate::pages::dimensions::KeepFast;
use crate::components::page::Card;
use leptos::prelude::*;

/// The dimensions the collector accepts; `attr` and `acct` take a key typed next to it.
const DIMENSIONS: &[(&str, &str)] = &[
    ("attr", "user attribute"),
    ("acct", "account attribute"),
    ("role", "role in account"),
    ("account", "account"),
    ("trigger", "trigger"),
    ("language", "language"),
    ("device", "device"),
    ("survey", "survey"),
];

/// The `by` parameter, or a message when the attribute key is missing.
pub fn by_param(dimension: &str, key: &str) -> Result<String, String> {
    match dimension {
        _ if takes_key(dimension) && key.trim().is_empty() => Err("type the attribute key (e.g. plan)".to_owned()),
        _ if takes_key(dimension) => Ok(format!("{dimension}:{}", key.trim())),
        other => Ok(other.to_owned()),
    }
}

/// `+12.3 points (p = 0.004)`: the segment minus the rest.
pub fn versus_rest(c: &nps_core::Comparison) -> String {
    let p = if c.p_value < 0.001 { "p < 0.001".to_owned() } else { format!("p = {:.3}", c.p_value) };
    format!("{:+.1} points ({p})", c.difference)
}

/// Whether a dimension needs an attribute key typed next to it.
fn takes_key(dimension: &str) -> bool {
    matches!(dimension, "attr" | "acct")
}

/// The breakdown as last asked for.
#[derive(Clone, PartialEq)]
struct Asked {
    by: Result<String, String>,
    min_n: u32,
}

#[component]
pub fn Segments(
    survey_id: i64,
    range: Signal<(Option<i64>, Option<i64>)>,
    filters: Signal<api::ReportFilters>,
    /// Break down by this user attribute at first (e.g. `partner`), instead of the role.
    #[prop(optional)]
    attribute: Option<&'static str>,
    /// The survey's project, for keeping the dimension fast (nothing shown while unknown).
    #[prop(optional, into)]
    project_id: Signal<Option<i64>>,
    /// A protected survey's group attributes (employee NPS), known once its report loaded: the
    /// only breakdowns it releases, so the first is shown at once instead of the role.
    #[prop(optional, into)]
    groups: Option<Signal<Vec<String>>>,
) -> impl IntoView {
    let dimension = RwSignal::new(if attribute.is_some() { "attr" } else { "role" }.to_owned());
    let key = RwSignal::new(attribute.unwrap_or_default().to_owned());
    let min_n = RwSignal::new(30_u32);
    // The breakdown last asked for (its dimension, or why it cannot be asked).
    let form = move || Asked { by: by_param(&dimension.get_untracked(), &key.get_untracked()), min_n: min_n.get_untracked() };
    let asked = RwSignal::new(form());
    let load = move || crate::asked::ask(asked, form());
    if let Some(groups) = groups {
        Effect::new(move |_| {
            let Some(first) = groups.with(|g| g.first().cloned()) else { return };
            // Only while the reader has not picked a breakdown of their own.
            if dimension.get_untracked() == "role" {
                dimension.set("attr".to_owned());
                key.set(first);
                load();
            }
        });
    }
    let shown_by = Signal::derive(move || asked.with(|a| a.by.clone().ok()));
    // A resource over the range, filters and breakdown asked for (see `crate::asked`).
    let report = LocalResource::new(move || {
        let a = asked.get();
        let (from, to) = range.get();
        let chosen = filters.get();
        async move {
            match a.by {
                Ok(by) => api::segments(survey_id, from, to, &by, u64::from(a.min_n), &chosen).await.map_err(|e| e.message),
                Err(e) => Err(e),
            }
        }
    });
    let apply = on_submit(load);
    view! {
        <Card title="Segments" title_id="segments-title">
            <form class="filters" on:submit=apply aria-label="Segment dimension">
                // A dimension without a key to type is shown at once.
                <SelectField label="Break down by" name="segment_by" value=dimension options=DIMENSIONS
                    on_pick=Callback::new(move |()| if !takes_key(&dimension.get_untracked()) { load() }) />
                <Show when=move || takes_key(&dimension.get())>
                    <TextField label="Attribute key" name="segment_key" value=key class="field inline" placeholder="plan" />
                </Show>
                <NumberField label="Small below n =" name="segment_min_n" value=min_n fallback=30 min="1" max="100000" />
                <button type="submit">"Show segments"</button>
            </form>
            {resource_view(report, |r| match (r.segments.is_empty(), r.disclosure.as_ref().map(|d| d.thresholds.min_group)) {
                (true, None) => muted("No answers in this period."),
                (true, Some(k)) => view! { <p class="muted" data-testid="segments-withheld">{withheld_groups(k)}</p> }.into_any(),
                (false, _) => view! { <SegmentTable report=r /> }.into_any(),
            })}
            <KeepFast project_id=project_id by=shown_by.into() />
            <p class="muted small">
                "Each segment is compared with all other answers (two-sample test on the adjusted NPS, 95%). "
                "Significant differences are marked; small segments have wide intervals, read them with care."
            </p>
        </Card>
    }
}

/// Said of every protected breakdown, whatever it holds: a note that appeared only when some
/// group was hidden would tell that a small group answered.
fn withheld_groups(k: u32) -> String {
    format!("Groups with fewer than {k} answers are not listed, nor any other group whose figures would let one be worked out.")
}

const SEGMENT_COLS: &[Col] = &[Col::Text("Segment"), Col::Num("NPS"), Col::Num("95% CI"), Col::View(interval_head), Col::Num("n"),
    Col::Text("vs the rest"), Col::Text("Note")];

#[component]
fn SegmentTable(report: SegmentReport) -> impl IntoView {
    let overall = fmt::headline(&report.overall);
    let min_n = report.min_n;
    let k = report.disclosure.as_ref().map_or(nps_core::disclosure::DEFAULT_MIN_GROUP, |d| d.thresholds.min_group);
    let protected = report.disclosure.is_some();
    view! {
        <p class="muted" data-testid="segments-overall">{format!("All answers: {overall}")}</p>
        {protected.then(|| view! { <p class="muted" data-testid="segments-withheld">{withheld_groups(k)}</p> })}
        <ListTable testid="segments-table" class="list segments" scroll=true caption=format!("NPS by {}", report.by) hidden_caption=true cols=SEGMENT_COLS>
            {report.segments.into_iter().map(|s| view! { <SegmentRow segment=s min_n=min_n k=k /> }).collect_view()}
        </ListTable>
    }
}

#[component]
fn SegmentRow(segment: Segment, min_n: u64, k: u32) -> impl IntoView {
    let name = segment.value.clone().unwrap_or_else(|| "(not set)".to_owned());
    let key = name.clone();
    let significant = segment.vs_rest.is_some_and(|c| c.significant);
    let mut notes = Vec::new();
    if segment.suppressed {
        notes.push(format!("withheld: fewer than {k} answers, or it would expose a smaller group"));
    } else if segment.small {
        notes.push(format!("small (n < {min_n})"));
    }
    let class = match (significant, segment.vs_rest.map(|c| c.difference > 0.0)) {
        (true, Some(true)) => "significant higher",
        (true, _) => "significant lower",
        _ => "",
    };
    let small_class = if segment.small || segment.suppressed { " small-segment" } else { "" };
    let summary = segment.summary.clone();
    // Suppressed segments come without figures.
    let (nps, low, high) = summary.as_ref().map_or((None, None, None), |s| (s.nps, Some(s.interval.low), Some(s.interval.high)));
    let n = summary.filter(|s| s.nps.is_some()).map_or_else(|| "-".to_owned(), |s| s.n.to_string());
    view! {
        <tr class=format!("{class}{small_class}") data-segment=key>
            <th scope="row">{name}</th>
            <NpsCells nps=nps low=low high=high testid="segment-nps" ci_testid="segment-ci" significant=significant />
            <td class="num" data-testid="segment-n">{n}</td>
            <td data-testid="segment-vs-rest">
                {segment.vs_rest.map(|c| view! {
                    <span class=if c.significant { "flag significant" } else { "flag" }>
                        {if c.significant { "significant: " } else { "not significant: " }}
                    </span>
                    {versus_rest(&c)}
                })}
            </td>
            <td data-testid="segment-note">{notes.join("; ")}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dimension_becomes_the_by_parameter() {
        assert_eq!(by_param("role", ""), Ok("role".to_owned()));
        assert_eq!(by_param("attr", " plan "), Ok("attr:plan".to_owned()));
        assert!(by_param("attr", " ").is_err());
        assert_eq!(by_param("acct", "tier"), Ok("acct:tier".to_owned()));
    }

    #[test]
    fn the_comparison_reads_as_points_and_p_value() {
        let c = nps_core::Comparison { difference: 12.34, se: 5.0, z: 2.4, p_value: 0.0164, significant: true };
        assert_eq!(versus_rest(&c), "+12.3 points (p = 0.016)");
        let c = nps_core::Comparison { p_value: 0.0001, difference: -3.0, ..c };
        assert_eq!(versus_rest(&c), "-3.0 points (p < 0.001)");
    }
}
