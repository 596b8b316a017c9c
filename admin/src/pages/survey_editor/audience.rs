//! Who is asked and how often: sampling, fatigue (overriding the project's policy), schedule
//! and answer caps.

use super::*;
use nps_core::wire::BasisPoints;

pub(super) fn audience_card(form: Form, errors: Errors, parse_errors: ParseErrors) -> impl IntoView {
    let sampling_value = committed(move || form.with(|f| f.rules.sampling_rate_bp.map(|bp| format!("{}", f64::from(bp.get()) / 100.0)).unwrap_or_default()));
    let set_sampling = move |ev: web_sys::Event| {
        let text = event_target_value(&ev);
        let key = "rules.sampling_rate_bp".to_owned();
        match text.trim() {
            "" => {
                parse_errors.update(|p| {
                    p.remove(&key);
                });
                form.update(|f| f.rules.sampling_rate_bp = None);
            }
            t => match t.parse::<f64>().ok().filter(|pct| pct.is_finite() && *pct >= 0.0) {
                // Basis points hold at most everyone: 150% is refused here, as the collector would.
                Some(pct) => match BasisPoints::new((pct * 100.0).round().min(f64::from(u32::MAX)) as u32) {
                    Some(rate) => {
                        parse_errors.update(|p| {
                            p.remove(&key);
                        });
                        form.update(|f| f.rules.sampling_rate_bp = Some(rate));
                    }
                    None => parse_errors.update(|p| {
                        p.insert(key.clone(), "rules.sampling_rate_bp must be at most 10000 (100%)".to_owned());
                    }),
                },
                None => parse_errors.update(|p| {
                    p.insert(key.clone(), "rules.sampling_rate_bp: the sampling rate is a percentage from 0 to 100".to_owned());
                }),
            },
        }
    };
    let window_count = |f: &SurveyInput| f.rules.fatigue.max_surveys_per_window.map(|(c, _)| c);
    let window_days = |f: &SurveyInput| f.rules.fatigue.max_surveys_per_window.map(|(_, d)| d);

    view! {
        <Card title="Who and how often">
            <label class="field small">
                <span>"Sampling rate (% of targeted users; empty = 100%)"</span>
                <input type="number" min="0" max="100" step="0.01" name="rules.sampling_rate_bp" prop:value=sampling_value on:change=set_sampling />
            </label>
            <FieldErrors errors=errors path="rules.sampling_rate_bp" />
            <fieldset>
                <legend>"Fatigue (empty = the project's setting)"</legend>
                <div class="grid-3">
                    {number_field(form, errors, parse_errors, "First survey after sign-up (days)", "rules.fatigue.first_survey_after_days", |f| f.rules.fatigue.first_survey_after_days, |f, v| f.rules.fatigue.first_survey_after_days = v)}
                    {number_field(form, errors, parse_errors, "After an answer (days)", "rules.fatigue.after_response_days", |f| f.rules.fatigue.after_response_days, |f, v| f.rules.fatigue.after_response_days = v)}
                    {number_field(form, errors, parse_errors, "After a decline (days)", "rules.fatigue.after_decline_days", |f| f.rules.fatigue.after_decline_days, |f, v| f.rules.fatigue.after_decline_days = v)}
                    {number_field(form, errors, parse_errors, "Back off after this many declines", "rules.fatigue.decline_backoff_after", |f| f.rules.fatigue.decline_backoff_after, |f, v| f.rules.fatigue.decline_backoff_after = v)}
                    {number_field(form, errors, parse_errors, "Back-off (days)", "rules.fatigue.decline_backoff_days", |f| f.rules.fatigue.decline_backoff_days, |f, v| f.rules.fatigue.decline_backoff_days = v)}
                    {number_field(form, errors, parse_errors, "After \"ask me later\" (days)", "rules.fatigue.after_snooze_days", |f| f.rules.fatigue.after_snooze_days, |f, v| f.rules.fatigue.after_snooze_days = v)}
                    {number_field(form, errors, parse_errors, "Global cooldown, any survey (days)", "rules.fatigue.global_cooldown_days", |f| f.rules.fatigue.global_cooldown_days, |f, v| f.rules.fatigue.global_cooldown_days = v)}
                    {number_field(form, errors, parse_errors, "At most this many surveys...", "rules.fatigue.max_surveys_per_window", window_count,
                        |f, v| f.rules.fatigue.max_surveys_per_window = v.map(|c| (c, f.rules.fatigue.max_surveys_per_window.map_or(30, |(_, d)| d))))}
                    {number_field(form, errors, parse_errors, "...within this many days", "rules.fatigue.max_surveys_per_window.days", window_days,
                        |f, v| f.rules.fatigue.max_surveys_per_window = v.map(|d| (f.rules.fatigue.max_surveys_per_window.map_or(1, |(c, _)| c), d)))}
                </div>
            </fieldset>
            <fieldset>
                <legend>"Schedule (UTC) and caps"</legend>
                <div class="grid-3">
                    <label class="field small">
                        <span>"Starts on"</span>
                        <input type="date" name="rules.schedule.starts_at" prop:value=committed(move || form.with(|f| fmt::date(f.rules.schedule.starts_at)))
                            on:change=move |ev| { let v = fmt::parse_date(&event_target_value(&ev)); form.update(|f| f.rules.schedule.starts_at = v); } />
                    </label>
                    <label class="field small">
                        <span>"Ends before"</span>
                        <input type="date" name="rules.schedule.ends_at" prop:value=committed(move || form.with(|f| fmt::date(f.rules.schedule.ends_at)))
                            on:change=move |ev| { let v = fmt::parse_date(&event_target_value(&ev)); form.update(|f| f.rules.schedule.ends_at = v); } />
                    </label>
                    <div></div>
                    {number_field(form, errors, parse_errors, "Answers per day (cap)", "rules.response_caps.per_day", |f| f.rules.response_caps.per_day, |f, v| f.rules.response_caps.per_day = v)}
                    {number_field(form, errors, parse_errors, "Answers in total (cap)", "rules.response_caps.total", |f| f.rules.response_caps.total, |f, v| f.rules.response_caps.total = v)}
                    {number_field(form, errors, parse_errors, "Relational cadence (ask again every N days)", "rules.cadence_days", |f| f.rules.cadence_days, |f, v| f.rules.cadence_days = v)}
                </div>
                <FieldErrors errors=errors path="rules.schedule" />
            </fieldset>
        </Card>
    }
}
