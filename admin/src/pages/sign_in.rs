//! Sign-in, and the first run: when nobody can sign in yet, create the first owner.

use crate::api::{self, ApiError};
use crate::components::{ErrorBox, on_submit};
use crate::{SessionUser, state};
use leptos::prelude::*;
use nps_core::ErrorCode;

#[component]
pub fn SignIn() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let offer_bootstrap = RwSignal::new(false);
    let busy = RwSignal::new(false);

    let finish = move |result: Result<nps_core::wire::SessionInfo, ApiError>| match result {
        Ok(s) => state().user.set(Some(SessionUser { email: s.email, role: s.role })),
        Err(e) => {
            if e.code == ErrorCode::InvalidCredentials {
                offer_bootstrap.set(true);
            }
            error.set(Some(e.message));
        }
    };
    let credentials = move || (email.get_untracked(), password.get_untracked());
    // Left on spawn_local, as is the session check in lib.rs: Actions here (main module) cost ~6 KiB brotli of the first-visit budget.
    let submit = on_submit(move || {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let (email, password) = credentials();
            finish(api::sign_in(&email, &password).await);
            busy.set(false);
        });
    });
    let bootstrap = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let (email, password) = credentials();
            match api::bootstrap(&email, &password).await {
                Ok(()) => finish(api::sign_in(&email, &password).await),
                Err(e) => {
                    if e.code == ErrorCode::Conflict {
                        offer_bootstrap.set(false);
                    }
                    error.set(Some(e.message));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <form on:submit=submit novalidate>
                <label class="field"><span>"E-mail"</span>
                    <input type="email" name="email" autocomplete="username" required prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                </label>
                <label class="field"><span>"Password"</span>
                    <input type="password" name="password" autocomplete="current-password" required prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                </label>
                <ErrorBox error=error.into() />
                <div class="actions">
                    <button type="submit" disabled=move || busy.get()>"Sign in"</button>
                </div>
            </form>
            <Show when=move || offer_bootstrap.get()>
                <div class="first-run">
                    <h2>"First run?"</h2>
                    <p>"If nobody has an account yet, create the first owner with this e-mail and password (at least 10 characters)."</p>
                    <button type="button" class="secondary" on:click=bootstrap disabled=move || busy.get()>
                        "Create the first owner"
                    </button>
                </div>
            </Show>
        </section>
    }
}
