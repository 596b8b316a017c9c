//! The page an invitation link opens (`/admin/accept?token=...`): says who invited whom with
//! which role, lets the invitee choose a password, then signs them in. Works without a session.

use crate::api::{self, Invitation};
use crate::components::new_password::NewPasswordForm;
use crate::fmt;
use leptos::prelude::*;

/// The `token` query parameter of the current address (also used by the reset page).
pub(crate) fn token() -> String {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(|t| js_sys::decode_uri_component(t).ok().and_then(|s| s.as_string()).unwrap_or_else(|| t.to_owned()))
        .unwrap_or_default()
}

#[component]
pub fn Accept() -> impl IntoView {
    let token = token();
    let t = token.clone();
    let invitation: LocalResource<Result<Invitation, String>> = LocalResource::new(move || {
        let t = t.clone();
        async move { if t.is_empty() { Err("this link has no invitation in it".to_owned()) } else { api::check_invitation(&t).await.map_err(|e| e.message) } }
    });
    let checking = || view! { <p class="muted">"Checking the link..."</p> };
    view! {
        <section class="card narrow">
            <h1>"Accept the invitation"</h1>
            <Transition fallback=checking>{move || match invitation.get() {
                None => checking().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="invitation-error">{e}</p> }.into_any(),
                Some(Ok(i)) => view! {
                    <p data-testid="invitation-summary">
                        {format!("{} invited {} as {}. The link works until {} UTC.", i.invited_by, i.email, i.role.as_str().replace('_', " "), fmt::date_time(i.expires_at))}
                    </p>
                    <NewPasswordForm first_label="Choose a password (at least 10 characters)" redeem={ let token = token.clone(); move |p: String| { let token = token.clone(); async move { api::accept_invitation(&token, &p).await } } } />
                }.into_any(),
            }}</Transition>
        </section>
    }
}
