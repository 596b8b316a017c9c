//! Who has access (every admin user and their role), and inviting admin users: an e-mail address and a role give a single-use invitation link
//! (valid for 7 days) to pass on; the invitee sets a password at `/admin/accept`.

use crate::api::{self, AdminUser, Invitation, InvitationRequest};
use crate::components::ErrorBox;
use crate::{fmt, state};
use leptos::prelude::*;
use nps_core::wire::AdminRole;

fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// What each role may do, shown next to the choice.
pub fn role_help(role: AdminRole) -> &'static str {
    match role {
        AdminRole::Owner => "everything, including inviting owners",
        AdminRole::Admin => "configures projects and surveys, invites everyone but owners",
        AdminRole::Analyst => "reads customer and partner NPS, never employee NPS",
        AdminRole::Hr => "reads employee NPS only",
        AdminRole::PartnerManager => "reads partner NPS of the partners they own",
    }
}

#[component]
pub fn Users() -> impl IntoView {
    let me = state().user.get_untracked();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(AdminRole::Analyst.as_str().to_owned());
    let error = RwSignal::new(None::<String>);
    let issued = RwSignal::new(Vec::<Invitation>::new());
    let users = RwSignal::new(None::<Result<Vec<AdminUser>, String>>);
    leptos::task::spawn_local(async move { users.set(Some(api::users().await.map_err(|e| e.message))) });
    let roles: Vec<AdminRole> = AdminRole::ALL
        .into_iter()
        .filter(|r| *r != AdminRole::Owner || me.as_ref().is_some_and(|u| u.role == AdminRole::Owner))
        .collect();
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Some(r) = AdminRole::parse(&role.get_untracked()) else { return };
        let request = InvitationRequest { email: email.get_untracked().trim().to_owned(), role: r };
        leptos::task::spawn_local(async move {
            match api::invite(&request).await {
                Ok(invitation) => {
                    error.set(None);
                    email.set(String::new());
                    issued.update(|list| list.insert(0, invitation));
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <h1>"Users"</h1>
        <section class="card">
            <h2>"Who has access"</h2>
            {move || match users.get() {
                None => view! { <p class="muted">"Loading..."</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="list" data-testid="users-table">
                        <thead><tr><th scope="col">"E-mail"</th><th scope="col">"Role"</th><th scope="col">"What the role may do"</th><th scope="col">"Since (UTC)"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|u| view! {
                                <tr data-user=u.email.clone()>
                                    <td>{u.email.clone()}</td>
                                    <td data-testid="user-role">{u.role.as_str().replace('_', " ")}</td>
                                    <td class="muted">{role_help(u.role)}</td>
                                    <td>{fmt::date(Some(u.created_at))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
        <section class="card">
            <h2>"Invite someone"</h2>
            <form class="filters" on:submit=submit aria-label="Invite">
                <label class="field inline grow"><span>"E-mail of the person to invite"</span>
                    <input type="email" name="invite_email" required prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                </label>
                <label class="field inline"><span>"Role"</span>
                    <select name="invite_role" prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                        {roles.into_iter().map(|r| view! { <option value=r.as_str()>{r.as_str().replace('_', " ")}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Create invitation link"</button>
            </form>
            <p class="muted small">{move || AdminRole::parse(&role.get()).map(role_help).unwrap_or_default()}</p>
            <ErrorBox error=error.into() />
        </section>
        <section class="card">
            <h2>"Invitation links created here"</h2>
            <p class="muted small">"Send each link to its person yourself. It works once, for 7 days; the person chooses a password and is signed in."</p>
            {move || {
                let list = issued.get();
                if list.is_empty() {
                    return view! { <p class="muted">"None yet."</p> }.into_any();
                }
                view! {
                    <table class="list" data-testid="invitations-table">
                        <thead><tr><th scope="col">"E-mail"</th><th scope="col">"Role"</th><th scope="col">"Expires (UTC)"</th><th scope="col">"Link"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|i| {
                                let link = format!("{}{}", origin(), i.accept_path);
                                view! {
                                    <tr data-invitee=i.email.clone()>
                                        <td>{i.email.clone()}</td>
                                        <td>{i.role.as_str().replace('_', " ")}</td>
                                        <td>{fmt::date_time(i.expires_at)}</td>
                                        <td><input type="text" readonly class="link-field" aria-label=format!("Invitation link for {}", i.email) data-testid="invitation-link" prop:value=link /></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
