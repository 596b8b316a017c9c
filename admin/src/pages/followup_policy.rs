//! The follow-up policy form (owners and admins, on the follow-ups page): which bands get a
//! follow-up, the SLA, and how an owner is picked (an attribute, else round robin in a team,
//! else a default owner).

use crate::api;
use crate::components::{BandCheck, ErrorBox};
use leptos::prelude::*;
use nps_core::Band;
use nps_core::followup::FollowUpPolicy;

/// Names separated by commas or new lines.
fn list(text: &str) -> Vec<String> {
    text.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn opt(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The follow-up policy of a project: loads it, lets owners and admins change and save it.
#[component]
pub fn FollowUpPolicyCard(project_id: i64, on_saved: Callback<()>) -> impl IntoView {
    let bands = RwSignal::new(vec![Band::Detractor]);
    let sla = RwSignal::new(48_u32);
    let attribute = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let default_owner = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let show = move |p: FollowUpPolicy| {
        bands.set(p.bands);
        sla.set(p.sla_hours);
        attribute.set(p.owner_attribute.unwrap_or_default());
        team.set(p.team.join(", "));
        default_owner.set(p.default_owner.unwrap_or_default());
    };
    crate::actions::load(
        move || api::followup_policy(project_id),
        move |answer| match answer {
            Ok(p) => show(p),
            Err(e) => error.set(Some(e.message)),
        },
    );
    let send = crate::actions::write(
        move |policy: &FollowUpPolicy| {
            let policy = policy.clone();
            async move { api::set_followup_policy(project_id, &policy).await }
        },
        move |answer| match answer {
            Ok(p) => {
                error.set(None);
                status.set(Some(format!("Saved: follow-ups due within {} hours.", p.sla_hours)));
                show(p);
                on_saved.run(());
            }
            Err(e) => {
                status.set(None);
                error.set(Some(e.message));
            }
        },
    );
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        send.dispatch(FollowUpPolicy {
            bands: bands.get_untracked(),
            sla_hours: sla.get_untracked(),
            owner_attribute: opt(&attribute.get_untracked()),
            team: list(&team.get_untracked()),
            default_owner: opt(&default_owner.get_untracked()),
        });
    };
    view! {
        <section class="card" aria-labelledby="policy-title">
            <h2 id="policy-title">"Follow-up policy"</h2>
            <form on:submit=save aria-label="Follow-up policy" novalidate>
                <BandsAndSla bands=bands sla=sla />
                <OwnerChoice attribute=attribute team=team default_owner=default_owner />
                <button type="submit">"Save policy"</button>
            </form>
            {move || status.get().map(|s| view! { <p class="muted" role="status" data-testid="policy-status">{s}</p> })}
            <ErrorBox error=error.into() />
        </section>
    }
}

/// The first row of the policy form: which bands get a follow-up, and the SLA in hours.
#[component]
fn BandsAndSla(bands: RwSignal<Vec<Band>>, sla: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="row">
            <BandCheck prefix="followup" band=Band::Detractor label="detractors" bands=bands />
            <BandCheck prefix="followup" band=Band::Passive label="passives" bands=bands />
            <BandCheck prefix="followup" band=Band::Promoter label="promoters" bands=bands />
            <label class="field inline"><span>"Due within (hours)"</span>
                <input type="number" name="sla_hours" min="1" max="2160" prop:value=move || sla.get().to_string() on:change=move |ev| sla.set(event_target_value(&ev).parse().unwrap_or(0)) />
            </label>
        </div>
    }
}

/// The second row of the policy form: the owner from an attribute, else round robin in a team, else a default.
#[component]
fn OwnerChoice(attribute: RwSignal<String>, team: RwSignal<String>, default_owner: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="row">
            <label class="field inline"><span>"Owner from attribute"</span>
                <input type="text" name="owner_attribute" placeholder="account_owner" prop:value=move || attribute.get() on:input=move |ev| attribute.set(event_target_value(&ev)) />
            </label>
            <label class="field inline grow"><span>"else round robin among (comma-separated)"</span>
                <input type="text" name="team" prop:value=move || team.get() on:input=move |ev| team.set(event_target_value(&ev)) />
            </label>
            <label class="field inline"><span>"else"</span>
                <input type="text" name="default_owner" placeholder="default owner" prop:value=move || default_owner.get() on:input=move |ev| default_owner.set(event_target_value(&ev)) />
            </label>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_and_optional_texts_drop_blanks() {
        assert_eq!(super::list("a@x.io, b@x.io,\n"), vec!["a@x.io".to_owned(), "b@x.io".to_owned()]);
        assert_eq!(super::opt("  "), None);
        assert_eq!(super::opt(" dana "), Some("dana".to_owned()));
    }
}
