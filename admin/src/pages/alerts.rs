//! The project's e-mail alert policy (on the webhooks screen): whether answers in chosen bands
//! send an e-mail, to the follow-up owner and / or fixed addresses.

use crate::api;
use crate::components::{BandCheck, ErrorBox};
use leptos::prelude::*;
use nps_core::Band;
use nps_core::webhooks::AlertPolicy;

/// Addresses typed one per line or separated by commas.
pub fn recipients(text: &str) -> Vec<String> {
    text.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[component]
pub fn AlertPolicyCard(project_id: i64) -> impl IntoView {
    let enabled = RwSignal::new(false);
    let bands = RwSignal::new(vec![Band::Detractor]);
    let notify_owner = RwSignal::new(true);
    let to = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let show = move |p: AlertPolicy| {
        enabled.set(p.enabled);
        bands.set(p.bands);
        notify_owner.set(p.notify_owner);
        to.set(p.recipients.join("\n"));
    };
    // The stored policy fills the form once it is in.
    crate::actions::load(
        move || api::alert_policy(project_id),
        move |answer| match answer {
            Ok(p) => show(p),
            Err(e) => error.set(Some(e.message)),
        },
    );
    let save_policy = crate::actions::write(
        move |policy: &AlertPolicy| {
            let policy = policy.clone();
            async move { api::set_alert_policy(project_id, &policy).await }
        },
        move |answer| match answer {
            Ok(p) => {
                error.set(None);
                status.set(Some(if p.enabled { "Saved: alerts are on.".to_owned() } else { "Saved: alerts are off.".to_owned() }));
                show(p);
            }
            Err(e) => {
                status.set(None);
                error.set(Some(e.message));
            }
        },
    );
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        save_policy.dispatch(AlertPolicy {
            enabled: enabled.get_untracked(),
            bands: bands.get_untracked(),
            notify_owner: notify_owner.get_untracked(),
            recipients: recipients(&to.get_untracked()),
        });
    };
    view! {
        <section class="card" aria-labelledby="alerts-title">
            <h2 id="alerts-title">"E-mail alerts"</h2>
            <form on:submit=save aria-label="Alert policy">
                <label class="check"><input type="checkbox" name="alerts_enabled" prop:checked=move || enabled.get() on:change=move |ev| enabled.set(event_target_checked(&ev)) />"Send an e-mail when an answer arrives in these bands:"</label>
                <div class="row">
                    <BandCheck prefix="alert" band=Band::Detractor label="detractors (0-6)" bands=bands />
                    <BandCheck prefix="alert" band=Band::Passive label="passives (7-8)" bands=bands />
                    <BandCheck prefix="alert" band=Band::Promoter label="promoters (9-10)" bands=bands />
                </div>
                <label class="check"><input type="checkbox" name="notify_owner" prop:checked=move || notify_owner.get() on:change=move |ev| notify_owner.set(event_target_checked(&ev)) />"to the answer's follow-up owner"</label>
                <label class="field"><span>"and to these addresses (one per line)"</span>
                    <textarea name="alert_recipients" rows="3" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit">"Save alert policy"</button>
            </form>
            {move || status.get().map(|s| view! { <p class="muted" role="status" data-testid="alert-status">{s}</p> })}
            <ErrorBox error=error.into() />
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn recipients_are_split_on_lines_and_commas() {
        assert_eq!(super::recipients(" a@x.io,\nb@x.io\n\n"), vec!["a@x.io".to_owned(), "b@x.io".to_owned()]);
    }
}
