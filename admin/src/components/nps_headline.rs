//! The headline: NPS with its 95% interval and n, the band counts and the response rate.

use crate::fmt;
use leptos::prelude::*;
use nps_core::wire::NpsSummary;

#[component]
pub fn NpsHeadline(summary: NpsSummary) -> impl IntoView {
    let c = summary.counts;
    let n = summary.n;
    let headline = fmt::headline(&summary);
    let nps = summary.nps.map(fmt::points).unwrap_or_else(|| "-".to_owned());
    let ci = summary
        .nps
        .map(|_| format!("95% CI {} to {}", fmt::points(summary.interval.low), fmt::points(summary.interval.high)))
        .unwrap_or_default();
    view! {
        <section class="headline" aria-labelledby="headline-title">
            <h2 id="headline-title" class="visually-hidden">"Headline"</h2>
            <p class="headline-text" data-testid="nps-headline">{headline}</p>
            <div class="kpis">
                <div class="kpi big">
                    <span class="kpi-label">"NPS"</span>
                    <span class="kpi-value" data-testid="nps-value">{nps}</span>
                    <span class="kpi-sub" data-testid="nps-interval">{ci}</span>
                </div>
                <div class="kpi">
                    <span class="kpi-label">"Answers (n)"</span>
                    <span class="kpi-value" data-testid="nps-n">{n}</span>
                </div>
                <div class="kpi promoter">
                    <span class="kpi-label">"Promoters (9-10)"</span>
                    <span class="kpi-value" data-testid="promoters">{c.promoters}</span>
                    <span class="kpi-sub">{fmt::percent(c.promoters, n)}</span>
                </div>
                <div class="kpi passive">
                    <span class="kpi-label">"Passives (7-8)"</span>
                    <span class="kpi-value" data-testid="passives">{c.passives}</span>
                    <span class="kpi-sub">{fmt::percent(c.passives, n)}</span>
                </div>
                <div class="kpi detractor">
                    <span class="kpi-label">"Detractors (0-6)"</span>
                    <span class="kpi-value" data-testid="detractors">{c.detractors}</span>
                    <span class="kpi-sub">{fmt::percent(c.detractors, n)}</span>
                </div>
                <div class="kpi">
                    <span class="kpi-label">"Response rate"</span>
                    <span class="kpi-value" data-testid="response-rate">{fmt::rate(summary.response_rate)}</span>
                    <span class="kpi-sub">{format!("{n} answers / {} displays", summary.displays)}</span>
                </div>
            </div>
        </section>
    }
}
