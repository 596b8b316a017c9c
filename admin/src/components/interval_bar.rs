//! One NPS with its 95% interval on the fixed -100..100 scale, as a small inline SVG for table
//! rows: a grey track, a zero line, the interval as a bar and the NPS as a dot. Rows share the
//! scale, so segments can be compared by eye; the numbers sit in the cells beside it.

use crate::fmt;
use leptos::prelude::*;

const W: f64 = 240.0;
const H: f64 = 22.0;
const PAD: f64 = 16.0;

/// x position of an NPS value (clamped to the scale).
pub fn x_of(nps: f64) -> f64 {
    PAD + (nps.clamp(-100.0, 100.0) + 100.0) / 200.0 * (W - 2.0 * PAD)
}

#[component]
pub fn IntervalBar(nps: f64, low: f64, high: f64, #[prop(optional)] significant: bool) -> impl IntoView {
    let label = format!("NPS {} (95% CI {} to {})", fmt::points(nps), fmt::points(low), fmt::points(high));
    let (x_low, x_high, x) = (x_of(low), x_of(high), x_of(nps));
    let class = if significant { "interval significant" } else { "interval" };
    view! {
        <svg class="interval-bar" viewBox=format!("0 0 {W} {H}") width=W height=H role="img" aria-label=label>
            <line x1=x_of(-100.0) x2=x_of(100.0) y1=H / 2.0 y2=H / 2.0 class="track"></line>
            <line x1=x_of(0.0) x2=x_of(0.0) y1="2" y2=H - 2.0 class="zero"></line>
            <rect x=x_low y=H / 2.0 - 4.0 width=(x_high - x_low).max(1.0) height="8" rx="3" class=class></rect>
            <circle cx=x cy=H / 2.0 r="4.5" class="point"></circle>
        </svg>
    }
}

/// The cells of an NPS in a table row: the figure ("-" without answers), its 95% interval in
/// figures (when it has one), and both drawn on the shared scale (a point without interval).
#[component]
pub fn NpsCells(
    nps: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    /// The figure's `data-testid`.
    #[prop(optional, into)]
    testid: Option<String>,
    /// The interval's `data-testid`.
    #[prop(optional)]
    ci_testid: Option<&'static str>,
    #[prop(optional)] significant: bool,
) -> impl IntoView {
    let interval = nps.zip(low).zip(high).map(|((_, low), high)| format!("{} to {}", fmt::points(low), fmt::points(high)));
    view! {
        <td class="num" data-testid=testid>{fmt::nps(nps)}</td>
        <td class="num" data-testid=ci_testid>{interval}</td>
        <td>{nps.map(|nps| view! { <IntervalBar nps=nps low=low.unwrap_or(nps) high=high.unwrap_or(nps) significant=significant /> })}</td>
    }
}

/// The head of a column of `NpsCells`' bars: its name, and the scale the bars share.
pub fn interval_head() -> AnyView {
    view! { <th scope="col">"NPS and interval" <IntervalScale /></th> }.into_any()
}

/// The scale under a column of interval bars: -100, -50, 0, 50, 100.
#[component]
pub fn IntervalScale() -> impl IntoView {
    view! {
        <svg class="interval-bar scale" viewBox=format!("0 0 {W} 14") width=W height="14" aria-hidden="true">
            {[-100.0, -50.0, 0.0, 50.0, 100.0].into_iter().map(|v: f64| view! {
                <text x=x_of(v) y="11" text-anchor="middle" class="axis-label">{fmt::points(v)}</text>
            }).collect_view()}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scale_maps_minus_100_to_100_onto_the_padded_width() {
        assert_eq!(super::x_of(-100.0), super::PAD);
        assert_eq!(super::x_of(100.0), super::W - super::PAD);
        assert_eq!(super::x_of(0.0), super::W / 2.0);
        assert_eq!(super::x_of(250.0), super::x_of(100.0));
    }
}
