//! Horizontal bars per band, each labelled with its count and share.

use crate::fmt;
use leptos::prelude::*;
use nps_core::BandCounts;

#[component]
pub fn Distribution(counts: BandCounts) -> impl IntoView {
    let n = counts.n();
    let rows = [
        ("Detractors", "detractor", counts.detractors),
        ("Passives", "passive", counts.passives),
        ("Promoters", "promoter", counts.promoters),
    ];
    let (w, label_w, row_h) = (420.0_f64, 90.0_f64, 34.0_f64);
    let bar_max = w - label_w - 110.0;
    let summary = format!(
        "Detractors {}, passives {}, promoters {} of {n} answers",
        counts.detractors, counts.passives, counts.promoters
    );
    view! {
        <figure class="chart distribution">
            <svg viewBox=format!("0 0 {w} {}", row_h * 3.0 + 8.0) role="img" aria-label=summary width="100%">
                {rows.into_iter().enumerate().map(|(i, (label, class, count))| {
                    let y = 4.0 + i as f64 * row_h;
                    let width = if n == 0 { 0.0 } else { bar_max * count as f64 / n as f64 };
                    view! {
                        <g class=format!("bar {class}")>
                            <text x="0" y=y + 21.0 class="axis-label">{label}</text>
                            <rect x=label_w y=y + 4.0 width=width.max(1.0) height=row_h - 10.0 rx="3"></rect>
                            <text x=label_w + width + 6.0 y=y + 21.0 class="value-label">
                                {format!("{count} ({})", fmt::percent(count, n))}
                            </text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption>"Answers per band"</figcaption>
        </figure>
    }
}
