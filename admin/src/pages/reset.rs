//! The page a password-reset link opens (`/admin/reset?token=...`): says whose password it
//! sets, lets them choose a new one, then signs them in. Works without a session. The link
//! works once; every earlier session of the user has ended when it is used.

use crate::api;
use crate::components::new_password::NewPasswordForm;
use crate::fmt;
use leptos::prelude::*;
use nps_core::wire::PasswordResetLink;

#[component]
pub fn Reset() -> impl IntoView {
    let token = super::accept::token();
    let t = token.clone();
    let link: LocalResource<Result<PasswordResetLink, String>> = LocalResource::new(move || {
        let t = t.clone();
        async move { if t.is_empty() { Err("this link has no reset token in it".to_owned()) } else { api::check_reset_link(&t).await.map_err(|e| e.message) } }
    });
    let checking = || view! { <p class="muted">"Checking the link..."</p> };
    view! {
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <Transition fallback=checking>{move || match link.get() {
                None => checking().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="reset-error">{e}</p> }.into_any(),
                Some(Ok(l)) => view! {
                    <p data-testid="reset-summary">{format!("New password for {}. The link works once, until {} UTC.", l.email, fmt::date_time(l.expires_at))}</p>
                    <NewPasswordForm first_label="New password (at least 10 characters)" redeem={ let token = token.clone(); move |p: String| { let token = token.clone(); async move { api::use_reset_link(&token, &p).await } } } />
                }.into_any(),
            }}</Transition>
        </section>
    }
}
