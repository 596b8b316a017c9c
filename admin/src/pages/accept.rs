//! The page an invitation link opens (`/admin/accept?token=...`): says who invited whom with
//! which role, lets the invitee choose a password, then signs them in. Works without a session.

use crate::api::{self, Invitation};
use crate::components::ErrorBox;
use crate::{Route, SessionUser, fmt, redirect, state};
use leptos::prelude::*;
use nps_core::wire::Credentials;

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
    let invitation = RwSignal::new(None::<Result<Invitation, String>>);
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let t = token.clone();
    leptos::task::spawn_local(async move {
        let result = if t.is_empty() { Err("this link has no invitation in it".to_owned()) } else { api::check_invitation(&t).await.map_err(|e| e.message) };
        invitation.set(Some(result));
    });
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let (p, r) = (password.get_untracked(), repeat.get_untracked());
        if p != r {
            error.set(Some("the two passwords differ".to_owned()));
            return;
        }
        let token = token.clone();
        leptos::task::spawn_local(async move {
            let result = async {
                let me = api::accept_invitation(&token, &p).await?;
                api::sign_in(&Credentials { email: me.email, password: p }).await
            };
            match result.await {
                Ok(session) => {
                    error.set(None);
                    state().user.set(Some(SessionUser { email: session.email, role: session.role }));
                    redirect(Route::Projects);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Accept the invitation"</h1>
            {move || match invitation.get() {
                None => view! { <p class="muted">"Checking the link..."</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="invitation-error">{e}</p> }.into_any(),
                Some(Ok(i)) => view! {
                    <p data-testid="invitation-summary">
                        {format!("{} invited {} as {}. The link works until {} UTC.", i.invited_by, i.email, i.role.as_str().replace('_', " "), fmt::date_time(i.expires_at))}
                    </p>
                    <form on:submit=submit.clone()>
                        <label class="field"><span>"Choose a password (at least 10 characters)"</span>
                            <input type="password" name="new_password" autocomplete="new-password" required prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                        </label>
                        <label class="field"><span>"Repeat the password"</span>
                            <input type="password" name="repeat_password" autocomplete="new-password" required prop:value=move || repeat.get() on:input=move |ev| repeat.set(event_target_value(&ev)) />
                        </label>
                        <button type="submit">"Set password and sign in"</button>
                    </form>
                }.into_any(),
            }}
            <ErrorBox error=error.into() />
        </section>
    }
}
