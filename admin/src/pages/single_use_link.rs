//! The pages single-use links open, without a session: an invitation
//! (`/admin/accept?token=...`: who invited whom with which role) and a password reset
//! (`/admin/reset?token=...`: whose password it sets; every earlier session of the user has
//! ended when it is used). Both say what the link is for, let its holder choose a password,
//! spend the link with it and sign them in.

use crate::api::{self, ApiResult, Me};
use crate::components::{ErrorBox, on_submit};
use crate::components::fields::TextField;
use crate::{Route, SessionUser, fmt, redirect, state};
use leptos::prelude::*;

/// What a single-use link is for.
#[derive(Clone, Copy)]
pub enum LinkKind {
    Invitation,
    Reset,
}

/// The words of a link's page.
struct Texts {
    title: &'static str,
    /// The page's test ids start with it (`{testid}-summary`, `{testid}-error`).
    testid: &'static str,
    /// What the page says when its address has no token.
    no_token: &'static str,
    first_label: &'static str,
}

impl LinkKind {
    fn texts(self) -> Texts {
        match self {
            LinkKind::Invitation => Texts { title: "Accept the invitation", testid: "invitation", no_token: "this link has no invitation in it",
                first_label: "Choose a password (at least 10 characters)" },
            LinkKind::Reset => Texts { title: "Choose a new password", testid: "reset", no_token: "this link has no reset token in it",
                first_label: "New password (at least 10 characters)" },
        }
    }

    /// What the link is for, once the collector has checked its token.
    async fn check(self, token: String) -> ApiResult<String> {
        Ok(match self {
            LinkKind::Invitation => {
                let i = api::check_invitation(&token).await?;
                let role = i.role.as_str().replace('_', " ");
                format!("{} invited {} as {role}. The link works until {} UTC.", i.invited_by, i.email, fmt::date_time(i.expires_at))
            }
            LinkKind::Reset => {
                let l = api::check_reset_link(&token).await?;
                format!("New password for {}. The link works once, until {} UTC.", l.email, fmt::date_time(l.expires_at))
            }
        })
    }

    /// Spends the link with the chosen password: whose account it was.
    async fn redeem(self, token: String, password: String) -> ApiResult<Me> {
        match self {
            LinkKind::Invitation => api::accept_invitation(&token, &password).await,
            LinkKind::Reset => api::use_reset_link(&token, &password).await,
        }
    }
}

/// The `token` query parameter of the current address.
fn token() -> String {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(|t| js_sys::decode_uri_component(t).ok().and_then(|s| s.as_string()).unwrap_or_else(|| t.to_owned()))
        .unwrap_or_default()
}

/// "Checking the link..." until the collector has checked the token, then what the link is for
/// and the password form, or why the link does not work.
#[component]
pub fn SingleUseLink(kind: LinkKind) -> impl IntoView {
    let Texts { title, testid, no_token, first_label } = kind.texts();
    let token = token();
    let asked = token.clone();
    let link = LocalResource::new(move || {
        let t = asked.clone();
        async move { if t.is_empty() { Err(no_token.to_owned()) } else { kind.check(t).await.map_err(|e| e.message) } }
    });
    let checking = || view! { <p class="muted">"Checking the link..."</p> };
    let show = move |state: Option<Result<String, String>>| match state {
        None => checking().into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert" data-testid=format!("{testid}-error")>{e}</p> }.into_any(),
        Some(Ok(summary)) => view! {
            <p data-testid=format!("{testid}-summary")>{summary}</p>
            <NewPasswordForm first_label=first_label kind=kind token=token.clone() />
        }
        .into_any(),
    };
    view! {
        <section class="card narrow">
            <h1>{title}</h1>
            <Transition fallback=checking>{move || show(link.get())}</Transition>
        </section>
    }
}

/// The two password fields and the button: spends the link with the chosen password, then
/// signs its holder in.
#[component]
fn NewPasswordForm(first_label: &'static str, kind: LinkKind, token: String) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let set_password = crate::actions::write_or_error(
        move |p: String| {
            let token = token.clone();
            async move {
                let me = kind.redeem(token, p.clone()).await?;
                api::sign_in(&me.email, &p).await
            }
        },
        error,
        |session| {
            state().user.set(Some(SessionUser { email: session.email, role: session.role }));
            redirect(Route::Projects);
        },
    );
    let submit = on_submit(move || {
        let (p, r) = (password.get_untracked(), repeat.get_untracked());
        if p != r {
            error.set(Some("the two passwords differ".to_owned()));
            return;
        }
        set_password.dispatch(p);
    });
    view! {
        <form on:submit=submit>
            <TextField label=first_label name="new_password" value=password kind="password" autocomplete="new-password" required=true />
            <TextField label="Repeat the password" name="repeat_password" value=repeat kind="password" autocomplete="new-password" required=true />
            <button type="submit">"Set password and sign in"</button>
        </form>
        <ErrorBox error=error.into() />
    }
}
