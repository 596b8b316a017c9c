//! NPS per period as an SVG line, its 95% interval as a shaded band, and the periods whose
//! change from the previous period is statistically significant marked; the same numbers in a
//! table beside it.

use crate::components::table::{Col, ListTable};
use crate::fmt;
use leptos::prelude::*;
use nps_core::wire::PeriodSummary;

const W: f64 = 640.0;
const H: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 40.0;

fn y_of(v: f64) -> f64 {
    TOP + (100.0 - v.clamp(-100.0, 100.0)) / 200.0 * (H - TOP - BOTTOM)
}

fn x_of(i: usize, count: usize) -> f64 {
    let inner = W - LEFT - RIGHT;
    if count <= 1 { LEFT + inner / 2.0 } else { LEFT + inner * i as f64 / (count - 1) as f64 }
}

/// The SVG path of the interval band over consecutive answered periods.
fn band_path(points: &[(f64, f64, f64)]) -> String {
    if points.is_empty() {
        return String::new();
    }
    let mut d = String::new();
    for (i, (x, low, _)) in points.iter().enumerate() {
        d.push_str(&format!("{}{x:.1},{:.1} ", if i == 0 { "M" } else { "L" }, y_of(*low)));
    }
    for (x, _, high) in points.iter().rev() {
        d.push_str(&format!("L{x:.1},{:.1} ", y_of(*high)));
    }
    if points.len() == 1 {
        // A single period: a small box, so the interval is still visible.
        let (x, low, high) = points[0];
        return format!("M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z", x - 8.0, y_of(low), x + 8.0, y_of(low), x + 8.0, y_of(high), x - 8.0, y_of(high));
    }
    d.push('Z');
    d
}

/// The SVG path of the NPS line through the answered periods.
fn line_path(answered: &[(usize, &PeriodSummary, f64)], count: usize) -> String {
    answered
        .iter()
        .enumerate()
        .map(|(k, (i, _, nps))| format!("{}{:.1},{:.1}", if k == 0 { "M" } else { " L" }, x_of(*i, count), y_of(*nps)))
        .collect()
}

/// The period labels under the x axis: about 8 of them, always the last one.
fn x_labels(periods: &[PeriodSummary]) -> Vec<(f64, String)> {
    let count = periods.len();
    let step = count.div_ceil(8).max(1);
    periods
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == count)
        .map(|(i, p)| (x_of(i, count), p.period_start.clone()))
        .collect()
}

/// One point per answered period: its position, whether its change is significant, and its description.
fn dots(answered: &[(usize, &PeriodSummary, f64)], count: usize) -> Vec<(f64, f64, bool, String)> {
    answered
        .iter()
        .map(|(i, p, nps)| {
            let significant = p.change.is_some_and(|c| c.significant);
            let label = format!("{}: NPS {} (n = {}){}", p.period_start, fmt::points(*nps), p.summary.n, if significant { ", significant change" } else { "" });
            (x_of(*i, count), y_of(*nps), significant, label)
        })
        .collect()
}

/// The horizontal grid lines at -100, -50, 0, 50 and 100, with their labels.
fn grid() -> impl IntoView {
    [-100.0_f64, -50.0, 0.0, 50.0, 100.0].into_iter().map(|v| view! {
        <line x1=LEFT x2=W - RIGHT y1=y_of(v) y2=y_of(v) class=if v == 0.0 { "grid zero" } else { "grid" }></line>
        <text x=LEFT - 6.0 y=y_of(v) + 4.0 text-anchor="end" class="axis-label">{fmt::points(v)}</text>
    }).collect_view()
}

/// The points of the line, the significant ones larger and flagged with a star.
fn points(dots: Vec<(f64, f64, bool, String)>) -> impl IntoView {
    dots.into_iter().map(|(x, y, significant, label)| view! {
        <g class=if significant { "point significant" } else { "point" }>
            <circle cx=x cy=y r=if significant { "6" } else { "3.5" }>
            </circle>
            {significant.then(|| view! { <text x=x y=y - 10.0 text-anchor="middle" class="flag">"*"</text> })}
            <desc>{label}</desc>
        </g>
    }).collect_view()
}

/// NPS per period: the chart and, beside it, the same numbers in a table.
#[component]
pub fn TrendChart(periods: Vec<PeriodSummary>) -> impl IntoView {
    let rows = periods.clone();
    view! {
        <div class="trend">
            <TrendFigure periods=periods />
            <TrendTable periods=rows />
        </div>
    }
}

/// The chart: the NPS line, its 95% interval band, the significant changes flagged, and a caption.
#[component]
fn TrendFigure(periods: Vec<PeriodSummary>) -> impl IntoView {
    let count = periods.len();
    let answered: Vec<(usize, &PeriodSummary, f64)> =
        periods.iter().enumerate().filter_map(|(i, p)| p.summary.nps.map(|nps| (i, p, nps))).collect();
    let band = band_path(
        &answered.iter().map(|(i, p, _)| (x_of(*i, count), p.summary.interval.low, p.summary.interval.high)).collect::<Vec<_>>(),
    );
    let line = line_path(&answered, count);
    let dots = dots(&answered, count);
    let aria = format!("NPS per period, {} periods, {} with answers", count, answered.len());
    let x_labels = x_labels(&periods);
    view! {
        <figure class="chart trend-chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=aria width="100%">
                {grid()}
                <path d=band class="interval-band"></path>
                <path d=line class="nps-line"></path>
                {points(dots)}
                {x_labels.into_iter().map(|(x, label)| view! {
                    <text x=x y=H - BOTTOM + 16.0 text-anchor="middle" class="axis-label">{label}</text>
                }).collect_view()}
                <text x=LEFT y=H - 4.0 class="axis-title">"Period start (UTC)"</text>
            </svg>
            <figcaption>
                "NPS per period; the shaded band is the 95% interval; "
                <span class="flag">"*"</span> " = significant change from the previous period (p < 0.05)."
            </figcaption>
        </figure>
    }
}

/// The numbers of the chart as a table: n, NPS, its interval and the change per period.
#[component]
fn TrendTable(periods: Vec<PeriodSummary>) -> impl IntoView {
    view! {
        <ListTable testid="trend-table" class="numbers" caption="NPS per period"
            cols=&[Col::Text("Period"), Col::Text("n"), Col::Text("NPS"), Col::Text("95% CI"), Col::Text("Change")]>
            {periods.into_iter().map(|p| view! { <TrendRow period=p /> }).collect_view()}
        </ListTable>
    }
}

/// One period of the trend table; significant changes are marked.
#[component]
fn TrendRow(period: PeriodSummary) -> impl IntoView {
    let p = period;
    let s = &p.summary;
    let nps = fmt::nps(s.nps);
    let ci = s.nps.map(|_| format!("{} to {}", fmt::points(s.interval.low), fmt::points(s.interval.high))).unwrap_or_default();
    let change = p.change.map(|c| format!("{}{}{}", if c.difference > 0.0 { "+" } else { "" }, fmt::points(c.difference), if c.significant { " *" } else { "" })).unwrap_or_default();
    let significant = p.change.is_some_and(|c| c.significant);
    view! {
        <tr class:significant=significant>
            <th scope="row">{p.period_start.clone()}</th>
            <td>{s.n}</td>
            <td>{nps}</td>
            <td>{ci}</td>
            <td>{change}</td>
        </tr>
    }
}
