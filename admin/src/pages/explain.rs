//! "Why was user X asked (or not asked) this survey at time T?": the collector re-applies every
//! eligibility rule to its record of the user as it stood then, lists every rule that blocks,
//! and shows the decision it actually logged when the widget asked.

use crate::api::{self, Explanation};
use crate::components::fields::TextField;
use crate::fmt;
use crate::components::on_submit;
use crate::components::page::Card;
use leptos::prelude::*;
use nps_core::eligibility::Decision;

/// Unix ms of a `YYYY-MM-DDTHH:MM` value (a `datetime-local` input, read as UTC).
pub fn parse_date_time(s: &str) -> Option<i64> {
    let (date, time) = s.trim().split_once('T')?;
    let (h, m) = time.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.get(..2).unwrap_or(m).parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(fmt::parse_date(date)? + (h * 60 + m) * 60_000)
}

/// `first_survey_delay` -> `first survey delay`.
fn rule_name(rule: &nps_core::eligibility::Rule) -> String {
    rule.as_str().replace('_', " ")
}

fn decision_view(d: &Decision, testid: &'static str) -> impl IntoView + use<> {
    let verdict = if d.eligible { "asked: every rule allows it" } else { "not asked" };
    let retry = d.retry_after.map(|t| format!("; this rule stops blocking at {} UTC", fmt::date_time(t)));
    view! {
        <p data-testid=testid class=if d.eligible { "verdict eligible" } else { "verdict blocked" }>
            <strong>{verdict}</strong>
            {(!d.eligible).then(|| format!(" - rule: {}", rule_name(&d.rule)))}
            <br/>
            <span>{d.detail.clone()}{retry}</span>
            <span class="muted small">{format!(" (sampling rate {}%)", f64::from(d.sampling_rate_bp) / 100.0)}</span>
        </p>
    }
}

#[component]
pub fn Explain(survey_id: i64) -> impl IntoView {
    let user = RwSignal::new(String::new());
    let at = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<Explanation, String>>);
    let ask = crate::actions::write(
        move |(user_id, when): (String, Option<i64>)| async move { api::explain(survey_id, &user_id, when).await.map_err(|e| e.message) },
        move |answer| result.set(Some(answer)),
    );
    let submit = on_submit(move || {
        let user_id = user.get_untracked().trim().to_owned();
        let at_text = at.get_untracked();
        if user_id.is_empty() {
            result.set(Some(Err("type the user id the host app identifies the user with".to_owned())));
            return;
        }
        let when = if at_text.trim().is_empty() { None } else { parse_date_time(&at_text) };
        if !at_text.trim().is_empty() && when.is_none() {
            result.set(Some(Err("the time must be a date and time".to_owned())));
            return;
        }
        ask.dispatch((user_id, when));
    });
    view! {
        <Card title="Why was a user asked, or not?" title_id="explain-title">
            <form class="filters" on:submit=submit aria-label="Explain a decision">
                <TextField label="User id" name="explain_user" value=user class="field inline" />
                <TextField label="At (UTC, empty = now)" name="explain_at" value=at kind="datetime-local" class="field inline" />
                <button type="submit">"Explain"</button>
            </form>
            {move || result.get().map(|r| match r {
                Err(e) => crate::components::alert(e),
                Ok(x) => view! {
                    <div data-testid="explanation">
                        <p class="muted">{format!("User {} at {} UTC:", x.user_id, fmt::date_time(x.at))}</p>
                        {decision_view(&x.decision, "explain-decision")}
                        {(x.blocking.len() > 1).then(|| view! {
                            <h3>"Every rule that blocks (fixing the first may reveal the next)"</h3>
                            <ol data-testid="explain-blocking">
                                {x.blocking.iter().map(|d| view! { <li><strong>{rule_name(&d.rule)}</strong>": " {d.detail.clone()}</li> }).collect_view()}
                            </ol>
                        })}
                        <h3>"Logged when the widget asked"</h3>
                        {match x.logged {
                            None => view! { <p class="muted" data-testid="explain-logged">"No decision logged for this user in the 90 days before."</p> }.into_any(),
                            Some(l) => view! {
                                <p data-testid="explain-logged">
                                    {format!("{} UTC: {} ({}){}{}",
                                        fmt::date_time(l.at),
                                        if l.decision.eligible { "asked" } else { "not asked" },
                                        rule_name(&l.decision.rule),
                                        l.trigger.map(|t| format!(", trigger {t}")).unwrap_or_default(),
                                        if l.decision.detail.is_empty() { String::new() } else { format!(": {}", l.decision.detail) })}
                                </p>
                            }.into_any(),
                        }}
                    </div>
                }.into_any(),
            })}
        </Card>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn date_times_parse_as_utc() {
        assert_eq!(super::parse_date_time("1970-01-02T01:01"), Some(90_060_000));
        assert_eq!(super::parse_date_time("1970-01-01T00:00:30"), Some(0));
        assert_eq!(super::parse_date_time("1970-01-01T25:00"), None);
        assert_eq!(super::parse_date_time("1970-01-01"), None);
    }
}
