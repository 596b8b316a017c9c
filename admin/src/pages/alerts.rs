//! The project's e-mail alert policy (on the webhooks screen): whether answers in chosen bands
//! send an e-mail, to the follow-up owner and / or fixed addresses.

use crate::api;
use crate::components::fields::CheckField;
use crate::components::page::{Card, StatusNote};
use crate::actions::StoredSettings;
use crate::components::{BandChecks, ErrorBox, on_submit};
use leptos::prelude::*;
use nps_core::Band;
use nps_core::webhooks::AlertPolicy;

#[component]
pub fn AlertPolicyCard(project_id: i64) -> impl IntoView {
    let enabled = RwSignal::new(false);
    let bands = RwSignal::new(vec![Band::Detractor]);
    let notify_owner = RwSignal::new(true);
    let to = RwSignal::new(String::new());
    let show = move |p: AlertPolicy| {
        enabled.set(p.enabled);
        bands.set(p.bands);
        notify_owner.set(p.notify_owner);
        to.set(p.recipients.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("\n"));
    };
    let StoredSettings { save: save_policy, status, error } = crate::actions::stored_settings(
        move || api::alert_policy(project_id),
        move |policy: AlertPolicy| async move { api::set_alert_policy(project_id, &policy).await },
        show,
        |p| if p.enabled { "Saved: alerts are on.".to_owned() } else { "Saved: alerts are off.".to_owned() },
    );
    let save = on_submit(move || {
        let recipients = crate::fmt::list_items(&to.get_untracked()).iter().map(|r| api::ApiError::address("recipients", r)).collect();
        match recipients {
            Ok(recipients) => {
                save_policy.dispatch(AlertPolicy { enabled: enabled.get_untracked(), bands: bands.get_untracked(), notify_owner: notify_owner.get_untracked(), recipients });
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
    view! {
        <Card title="E-mail alerts" title_id="alerts-title">
            <form on:submit=save aria-label="Alert policy">
                <CheckField label="Send an e-mail when an answer arrives in these bands:" name="alerts_enabled" value=enabled />
                <div class="row">
                    <BandChecks prefix="alert" labels=["detractors (0-6)", "passives (7-8)", "promoters (9-10)"] bands=bands />
                </div>
                <CheckField label="to the answer's follow-up owner" name="notify_owner" value=notify_owner />
                <label class="field"><span>"and to these addresses (one per line)"</span>
                    <textarea name="alert_recipients" rows="3" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit">"Save alert policy"</button>
            </form>
            <StatusNote text=status testid="alert-status" />
            <ErrorBox error=error.into() />
        </Card>
    }
}
