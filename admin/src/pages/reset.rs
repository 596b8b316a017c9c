//! The page a password-reset link opens (`/admin/reset?token=...`): says whose password it
//! sets, lets them choose a new one, then signs them in. Works without a session. The link
//! works once; every earlier session of the user has ended when it is used.

use crate::api;
use crate::components::ErrorBox;
use crate::{Route, SessionUser, fmt, redirect, state};
use leptos::prelude::*;
use nps_core::wire::{Credentials, PasswordResetLink};

#[component]
pub fn Reset() -> impl IntoView {
    let token = super::accept::token();
    let link = RwSignal::new(None::<Result<PasswordResetLink, String>>);
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let t = token.clone();
    leptos::task::spawn_local(async move {
        let result = if t.is_empty() { Err("this link has no reset token in it".to_owned()) } else { api::check_reset_link(&t).await.map_err(|e| e.message) };
        link.set(Some(result));
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
                let me = api::use_reset_link(&token, &p).await?;
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
            <h1>"Choose a new password"</h1>
            {move || match link.get() {
                None => view! { <p class="muted">"Checking the link..."</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="reset-error">{e}</p> }.into_any(),
                Some(Ok(l)) => view! {
                    <p data-testid="reset-summary">{format!("New password for {}. The link works once, until {} UTC.", l.email, fmt::date_time(l.expires_at))}</p>
                    <form on:submit=submit.clone()>
                        <label class="field"><span>"New password (at least 10 characters)"</span>
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
