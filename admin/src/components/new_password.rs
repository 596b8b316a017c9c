//! Setting a password from a single-use link (an invitation or a reset), then signing in.

use crate::api::{self, ApiResult, Me};
use crate::components::ErrorBox;
use crate::{Route, SessionUser, redirect, state};
use leptos::prelude::*;
use nps_core::wire::Credentials;
use std::future::Future;

/// The two password fields and the button; `redeem` spends the link with the chosen password
/// and answers who it was for, whom the form then signs in.
#[component]
pub fn NewPasswordForm<F, Fut>(first_label: &'static str, redeem: F) -> impl IntoView
where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ApiResult<Me>> + 'static,
{
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Spends the link with the password, then signs in with it.
    let set_password = crate::actions::write(
        move |p: &String| {
            let (redeem, p) = (redeem.clone(), p.clone());
            async move {
                let me = redeem(p.clone()).await?;
                api::sign_in(&Credentials { email: me.email, password: p }).await
            }
        },
        move |answer| match answer {
            Ok(session) => {
                error.set(None);
                state().user.set(Some(SessionUser { email: session.email, role: session.role }));
                redirect(Route::Projects);
            }
            Err(e) => error.set(Some(e.message)),
        },
    );
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let (p, r) = (password.get_untracked(), repeat.get_untracked());
        if p != r {
            error.set(Some("the two passwords differ".to_owned()));
            return;
        }
        set_password.dispatch(p);
    };
    view! {
        <form on:submit=submit>
            <label class="field"><span>{first_label}</span>
                <input type="password" name="new_password" autocomplete="new-password" required prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            </label>
            <label class="field"><span>"Repeat the password"</span>
                <input type="password" name="repeat_password" autocomplete="new-password" required prop:value=move || repeat.get() on:input=move |ev| repeat.set(event_target_value(&ev)) />
            </label>
            <button type="submit">"Set password and sign in"</button>
        </form>
        <ErrorBox error=error.into() />
    }
}
