//! Sign-in, and the first run: when nobody can sign in yet, create the first owner.

use crate::api::{self, ApiError};
use crate::components::ErrorBox;
use crate::components::fields::TextField;
use crate::{SessionUser, state};
use crate::components::on_submit;
use leptos::prelude::*;
use nps_core::ErrorCode;
use nps_core::wire::Credentials;

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
    let credentials = move || -> Result<Credentials, ApiError> {
        Ok(Credentials { email: ApiError::address("email", &email.get_untracked())?, password: password.get_untracked() })
    };
    // Left on spawn_local, as is the session check in lib.rs: Actions here (main module) cost ~6 KiB brotli of the first-visit budget.
    let submit = on_submit(move || {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            finish(async { api::sign_in(&credentials()?).await }.await);
            busy.set(false);
        });
    });
    let bootstrap = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match async { api::bootstrap(&credentials()?).await }.await {
                Ok(()) => finish(async { api::sign_in(&credentials()?).await }.await),
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
                <TextField label="E-mail" name="email" value=email kind="email" autocomplete="username" required=true />
                <TextField label="Password" name="password" value=password kind="password" autocomplete="current-password" required=true />
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
