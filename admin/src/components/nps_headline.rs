//! The headline: NPS with its 95% interval and n, the band counts and the response rate.

use crate::components::page::Kpi;
use crate::fmt;
use leptos::prelude::*;
use nps_core::wire::NpsSummary;

#[component]
pub fn NpsHeadline(summary: NpsSummary) -> impl IntoView {
    let c = summary.counts;
    let n = summary.n;
    let headline = fmt::headline(&summary);
    let ci = summary
        .nps
        .map(|_| format!("95% CI {} to {}", fmt::points(summary.interval.low), fmt::points(summary.interval.high)))
        .unwrap_or_default();
    view! {
        <section class="headline" aria-labelledby="headline-title">
            <h2 id="headline-title" class="visually-hidden">"Headline"</h2>
            <p class="headline-text" data-testid="nps-headline">{headline}</p>
            <div class="kpis">
                <Kpi class="kpi big" label="NPS" value=fmt::nps(summary.nps) testid="nps-value" sub=ci sub_testid="nps-interval" />
                <Kpi label="Answers (n)" value=n.to_string() testid="nps-n" />
                <Kpi class="kpi promoter" label="Promoters (9-10)" value=c.promoters.to_string() testid="promoters" sub=fmt::percent(c.promoters, n) />
                <Kpi class="kpi passive" label="Passives (7-8)" value=c.passives.to_string() testid="passives" sub=fmt::percent(c.passives, n) />
                <Kpi class="kpi detractor" label="Detractors (0-6)" value=c.detractors.to_string() testid="detractors" sub=fmt::percent(c.detractors, n) />
                <Kpi label="Response rate" value=fmt::rate(summary.response_rate) testid="response-rate"
                    sub=format!("{n} answers / {} displays", summary.displays) />
            </div>
        </section>
    }
}
