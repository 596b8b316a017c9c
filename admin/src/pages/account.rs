//! The signed-in user's own account (`/admin/account`, every role): changing the password.
//! The collector ends every other session of the user and re-issues this one, so this browser
//! stays signed in and other devices must sign in again with the new password.

use crate::api;
use crate::components::{ErrorBox, on_submit};
use crate::components::fields::TextField;
use leptos::prelude::*;
use nps_core::wire::PasswordChange;

#[component]
pub fn Account() -> impl IntoView {
    let email = crate::state().user.get_untracked().map(|u| u.email).unwrap_or_default();
    view! {
        <h1>"My account"</h1>
        <p class="muted">{format!("Signed in as {email}.")}</p>
        <ChangePassword />
    }
}

/// Current password, new password twice; says when it worked.
#[component]
pub fn ChangePassword() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let save = crate::actions::write_or_error(|change: PasswordChange| async move { api::change_password(&change).await }, error, move |_| {
        done.set(true);
        for field in [current, new, repeat] {
            field.set(String::new());
        }
    });
    let submit = on_submit(move || {
        done.set(false);
        if new.get_untracked() != repeat.get_untracked() {
            error.set(Some("the two new passwords differ".to_owned()));
            return;
        }
        save.dispatch(PasswordChange { current_password: current.get_untracked(), new_password: new.get_untracked() });
    });
    view! {
        <section class="card narrow">
            <h2>"Change my password"</h2>
            <form on:submit=submit aria-label="Change my password">
                <TextField label="Current password" name="current_password" value=current kind="password" autocomplete="current-password" required=true />
                <TextField label="New password (at least 10 characters)" name="new_password" value=new kind="password" autocomplete="new-password" required=true />
                <TextField label="Repeat the new password" name="repeat_password" value=repeat kind="password" autocomplete="new-password" required=true />
                <button type="submit">"Change password"</button>
            </form>
            {move || done.get().then(|| view! {
                <p class="ok" role="status" data-testid="password-changed">"Password changed. Your other sessions have been signed out."</p>
            })}
            <ErrorBox error=error.into() />
        </section>
    }
}
