//! Reminders and recurring waves of a campaign's e-mails: remind those who have not answered
//! after N days (up to M times per wave), and start a new wave by itself every K days (91 for
//! a quarterly pulse). The collector's campaign scheduler does the rest once e-mail delivery
//! is on.

use crate::api::{self, CampaignStatus};
use crate::components::{ErrorBox, on_submit};
use crate::components::fields::TextField;
use crate::fmt;
use crate::components::page::Card;
use leptos::prelude::*;
use nps_core::wire::DeliverySettings;

/// A day count typed into a field: empty is none.
pub fn days_field(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .map(Some)
        .map_err(|_| format!("`{text}` is not a whole number of days"))
}

/// The settings the three fields spell, checked with the collector's own rules.
pub fn settings_from(remind_after: &str, max_reminders: &str, cadence: &str) -> Result<DeliverySettings, String> {
    let max_reminders = max_reminders.trim().parse::<u32>().map_err(|_| "reminders per wave must be a whole number".to_owned())?;
    let settings = DeliverySettings { reminder_after_days: days_field(remind_after)?, max_reminders, cadence_days: days_field(cadence)? };
    match settings.problems().into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(settings),
    }
}

fn text_of(days: Option<u32>) -> String {
    days.map(|d| d.to_string()).unwrap_or_default()
}

type Status = Result<CampaignStatus, String>;

/// Saves the settings, then reloads the status (its next wave follows the new cadence).
fn save_action(
    id: i64,
    status: RwSignal<Option<Status>>,
    error: RwSignal<Option<String>>,
    saved: RwSignal<String>,
) -> Action<DeliverySettings, api::ApiResult<Status>> {
    crate::actions::write_or_error(
        move |settings: DeliverySettings| async move {
            api::set_delivery(id, &settings).await?;
            Ok(api::campaign_status(id).await.map_err(|e| e.message))
        },
        error,
        move |reloaded| {
            saved.set("Schedule saved.".to_owned());
            status.set(Some(reloaded));
        },
    )
}

#[component]
pub fn DeliveryCard(
    id: i64,
    status: RwSignal<Option<Result<CampaignStatus, String>>>,
) -> impl IntoView {
    let remind_after = RwSignal::new(String::new());
    let max_reminders = RwSignal::new("2".to_owned());
    let cadence = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(String::new());
    // The stored settings fill the form once they arrive.
    Effect::new(move |filled: Option<bool>| {
        if filled == Some(true) {
            return true;
        }
        let Some(Ok(s)) = status.get() else {
            return false;
        };
        remind_after.set(text_of(s.settings.reminder_after_days));
        max_reminders.set(s.settings.max_reminders.to_string());
        cadence.set(text_of(s.settings.cadence_days));
        true
    });
    let send = save_action(id, status, error, saved);
    let save = on_submit(move || {
        let settings = settings_from(&remind_after.get_untracked(), &max_reminders.get_untracked(), &cadence.get_untracked());
        let settings = match settings {
            Ok(s) => s,
            Err(e) => return error.set(Some(e)),
        };
        send.dispatch(settings);
    });
    let next_wave = move || {
        status
            .get()
            .and_then(Result::ok)
            .and_then(|s| s.next_wave_at)
            .map(|at| format!("Next wave starts on {} UTC.", fmt::date(Some(at))))
    };
    view! {
        <Card title="Reminders and waves" title_id="delivery-title">
            <form on:submit=save aria-label="Reminders and waves" novalidate>
                <div class="grid-3">
                    <TextField label="Remind after (days; empty: no reminders)" name="reminder_after_days" value=remind_after kind="number" min="1" max="365" />
                    <TextField label="Reminders per wave (0 to 5)" name="max_reminders" value=max_reminders kind="number" min="0" max="5" />
                    <TextField label="New wave every (days; 91 = quarterly; empty: one wave)" name="cadence_days" value=cadence kind="number" min="1" max="730" />
                </div>
                <div class="actions">
                    <button type="submit">"Save schedule"</button>
                    <span class="muted" role="status" data-testid="delivery-saved">{move || saved.get()}</span>
                </div>
            </form>
            <p class="muted small" data-testid="next-wave">{move || next_wave().unwrap_or_else(|| "Waves start when you send; with a cadence, each next one starts by itself.".to_owned())}</p>
            <ErrorBox error=error.into() />
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_day_field_is_none_and_junk_is_named() {
        assert_eq!(days_field(" "), Ok(None));
        assert_eq!(days_field("91"), Ok(Some(91)));
        assert_eq!(days_field("3.5"), Err("`3.5` is not a whole number of days".to_owned()));
    }

    #[test]
    fn the_fields_make_settings_or_the_collectors_message() {
        let s = settings_from("3", "2", "91").expect("valid");
        assert_eq!((s.reminder_after_days, s.max_reminders, s.cadence_days), (Some(3), 2, Some(91)));
        assert_eq!(settings_from("", "0", "800"), Err("cadence_days must be between 1 and 730".to_owned()));
        assert!(settings_from("3", "two", "").is_err());
    }
}
