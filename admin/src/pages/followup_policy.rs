//! The follow-up policy form (owners and admins, on the follow-ups page): which bands get a
//! follow-up, the SLA, and how an owner is picked (an attribute, else round robin in a team,
//! else a default owner).

use crate::api;
use crate::components::fields::{NumberField, TextField};
use crate::components::page::{Card, StatusNote};
use crate::actions::StoredSettings;
use crate::components::{BandChecks, ErrorBox, on_submit};
use leptos::prelude::*;
use nps_core::Band;
use nps_core::followup::FollowUpPolicy;

/// An optional text: none when only spaces were typed.
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
    let show = move |p: FollowUpPolicy| {
        bands.set(p.bands);
        sla.set(p.sla_hours);
        attribute.set(p.owner_attribute.unwrap_or_default());
        team.set(p.team.join(", "));
        default_owner.set(p.default_owner.unwrap_or_default());
    };
    let StoredSettings { save: send, status, error } = crate::actions::stored_settings(
        move || api::followup_policy(project_id),
        move |policy: FollowUpPolicy| async move { api::set_followup_policy(project_id, &policy).await },
        show,
        |p| format!("Saved: follow-ups due within {} hours.", p.sla_hours),
    );
    // A new policy may change the queue and its figures.
    crate::actions::on_answer(send, move |answer| {
        if answer.is_ok() {
            on_saved.run(());
        }
    });
    let save = on_submit(move || {
        send.dispatch(FollowUpPolicy {
            bands: bands.get_untracked(),
            sla_hours: sla.get_untracked(),
            owner_attribute: opt(&attribute.get_untracked()),
            team: crate::fmt::list_items(&team.get_untracked()),
            default_owner: opt(&default_owner.get_untracked()),
        });
    });
    view! {
        <Card title="Follow-up policy" title_id="policy-title">
            <form on:submit=save aria-label="Follow-up policy" novalidate>
                <BandsAndSla bands=bands sla=sla />
                <OwnerChoice attribute=attribute team=team default_owner=default_owner />
                <button type="submit">"Save policy"</button>
            </form>
            <StatusNote text=status testid="policy-status" />
            <ErrorBox error=error.into() />
        </Card>
    }
}

/// The first row of the policy form: which bands get a follow-up, and the SLA in hours.
#[component]
fn BandsAndSla(bands: RwSignal<Vec<Band>>, sla: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="row">
            <BandChecks prefix="followup" labels=["detractors", "passives", "promoters"] bands=bands />
            <NumberField label="Due within (hours)" name="sla_hours" value=sla fallback=0 min="1" max="2160" />
        </div>
    }
}

/// The second row of the policy form: the owner from an attribute, else round robin in a team, else a default.
#[component]
fn OwnerChoice(attribute: RwSignal<String>, team: RwSignal<String>, default_owner: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="row">
            <TextField label="Owner from attribute" name="owner_attribute" value=attribute class="field inline" placeholder="account_owner" />
            <TextField label="else round robin among (comma-separated)" name="team" value=team class="field inline grow" />
            <TextField label="else" name="default_owner" value=default_owner class="field inline" placeholder="default owner" />
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn optional_texts_drop_blanks() {
        assert_eq!(super::opt("  "), None);
        assert_eq!(super::opt(" dana "), Some("dana".to_owned()));
    }
}
