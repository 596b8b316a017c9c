//! Who has access (every admin user, their role and status), what owners can do to each
//! (change role, disable or enable, delete, create a password-reset link), and inviting admin
//! users: an e-mail address and a role give a single-use invitation link (valid for 7 days) to
//! pass on; the invitee sets a password at `/admin/accept`.

use crate::api::{self, AdminUser, ApiResult, Invitation, InvitationRequest};
use crate::components::fields::{LinkField, SelectField, TextField};
use crate::components::table::{Col, ListTable};
use crate::components::{ErrorBox, muted, on_submit, resource_view};
use crate::{confirmed, fmt, location_origin, state};
use crate::components::page::Card;
use leptos::prelude::*;
use nps_core::wire::{AdminRole, AdminUserStatus};

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

fn status_label(status: AdminUserStatus) -> &'static str {
    match status {
        AdminUserStatus::Active => "active",
        AdminUserStatus::Disabled => "disabled",
    }
}

/// A change to one user, sent by the row's action.
#[derive(Clone, Copy)]
enum Change {
    Role(AdminRole),
    Status(AdminUserStatus),
    Delete,
}

impl Change {
    async fn send(self, id: i64) -> ApiResult<()> {
        match self {
            Change::Role(role) => api::set_user_role(id, role).await,
            Change::Status(status) => api::set_user_status(id, status).await,
            Change::Delete => api::delete_user(id).await,
        }
    }
}

/// The action of a row's changes: on success clears the error and reloads the list, else
/// shows why.
fn change_action(id: i64, error: RwSignal<Option<String>>, on_change: Callback<()>) -> Action<Change, ApiResult<()>> {
    crate::actions::write_or_error(move |change: Change| change.send(id), error, move |()| on_change.run(()))
}

/// The role of a user, and for owners a select to change it (the collector refuses demoting
/// the last active owner and says so). The role text keeps its own element, so the cell reads
/// the same for every viewer.
#[component]
fn RoleCell(user: AdminUser, editable: bool, change: Action<Change, ApiResult<()>>) -> impl IntoView {
    let current = user.role;
    let on_select = move |ev: web_sys::Event| {
        let Some(role) = AdminRole::parse(&event_target_value(&ev)).filter(|r| *r != current) else { return };
        change.dispatch(Change::Role(role));
    };
    let others = AdminRole::ALL.into_iter().filter(move |r| *r != current);
    view! {
        <td>
            <span data-testid="user-role">{current.as_str().replace('_', " ")}</span>
            {editable.then(|| view! {
                " "
                <select name="user_role" aria-label=format!("Change the role of {}", user.email) prop:value="" on:change=on_select>
                    <option value="">"change to..."</option>
                    {others.map(|r| view! { <option value=r.as_str()>{r.as_str().replace('_', " ")}</option> }).collect_view()}
                </select>
            })}
        </td>
    }
}

/// Disable / enable and delete (owners, never on their own row), and a reset link (owners for
/// everyone, admins for users who are not owners).
#[component]
fn UserActions(user: AdminUser, owner: bool, may_reset: bool, itself: bool, error: RwSignal<Option<String>>, change: Action<Change, ApiResult<()>>) -> impl IntoView {
    let link = RwSignal::new(None::<String>);
    let (id, status) = (user.id, user.status);
    let email = user.email.clone();
    let toggle = move |_| {
        let next = if status == AdminUserStatus::Active { AdminUserStatus::Disabled } else { AdminUserStatus::Active };
        change.dispatch(Change::Status(next));
    };
    let delete = move |_| {
        if confirmed(&format!("Delete {email}? They are signed out at once and cannot sign in again.")) {
            change.dispatch(Change::Delete);
        }
    };
    let create_link =
        crate::actions::write_or_error(move |()| api::create_reset_link(id), error, move |l| link.set(Some(format!("{}{}", location_origin(), l.reset_path))));
    let reset = move |_| {
        create_link.dispatch(());
    };
    let manage = owner && !itself;
    view! {
        <td class="actions">
            {manage.then(|| view! {
                <button type="button" class="secondary" on:click=toggle>{if status == AdminUserStatus::Active { "Disable" } else { "Enable" }}</button>
                " "
                <button type="button" class="secondary danger" on:click=delete>"Delete"</button>
                " "
            })}
            {may_reset.then(|| view! { <button type="button" class="secondary" on:click=reset>"Create reset link"</button> })}
            {move || link.get().map(|l| view! {
                <LinkField label=format!("Password reset link for {}", user.email) value=l testid="reset-link" />
                <span class="muted small">"Works once, for 24 hours; send it to the person yourself."</span>
            })}
            <ErrorBox error=error.into() />
        </td>
    }
}

/// One row of the users table, with the controls the signed-in role allows.
#[component]
fn UserRow(user: AdminUser, me: Option<crate::SessionUser>, on_change: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let my_role = me.as_ref().map(|m| m.role);
    let owner = my_role == Some(AdminRole::Owner);
    let itself = me.as_ref().is_some_and(|m| m.email == user.email);
    let may_reset = owner || (my_role.is_some_and(AdminRole::can_configure) && user.role != AdminRole::Owner);
    let (email, status, role, since) = (user.email.clone(), user.status, user.role, user.created_at);
    let shown = email.clone();
    let change = change_action(user.id, error, on_change);
    view! {
        <tr data-user=email>
            <td>{shown}</td>
            <RoleCell user=user.clone() editable=owner change=change />
            <td data-testid="user-status">{status_label(status)}</td>
            <td class="muted">{role_help(role)}</td>
            <td>{fmt::date(Some(since))}</td>
            <UserActions user=user owner=owner may_reset=may_reset itself=itself error=error change=change />
        </tr>
    }
}

/// The users page: who has access, inviting someone, and the invitation links created here.
#[component]
pub fn Users() -> impl IntoView {
    let me = state().user.get_untracked();
    let issued = RwSignal::new(Vec::<Invitation>::new());
    let users = LocalResource::new(|| async { api::users().await.map_err(|e| e.message) });
    let invites_owners = me.as_ref().is_some_and(|u| u.role == AdminRole::Owner);
    view! {
        <h1>"Users"</h1>
        <p class="muted small">"Changing a user's role or status, deleting them or resetting their password signs them out everywhere at once. To change your own password, open "<crate::Link route=crate::Route::Account>"My account"</crate::Link>"."</p>
        <UsersCard users=users me=me on_change=Callback::new(move |()| users.refetch()) />
        <InviteCard invites_owners=invites_owners issued=issued />
        <IssuedInvitationsCard issued=issued />
    }
}

const USER_COLS: &[Col] = &[Col::Text("E-mail"), Col::Text("Role"), Col::Text("Status"), Col::Text("What the role may do"),
    Col::Text("Since (UTC)"), Col::Text("Actions")];

/// The "Who has access" card: every admin user with the controls the signed-in role allows.
#[component]
fn UsersCard(users: LocalResource<Result<Vec<AdminUser>, String>>, me: Option<crate::SessionUser>, on_change: Callback<()>) -> impl IntoView {
    view! {
        <Card title="Who has access">
            {resource_view(users, move |list| {
                let me = me.clone();
                view! {
                    <ListTable testid="users-table" cols=USER_COLS>
                        {list.into_iter().map(|u| view! { <UserRow user=u me=me.clone() on_change=on_change /> }).collect_view()}
                    </ListTable>
                }
            })}
        </Card>
    }
}

/// The "Invite someone" card: an e-mail address and a role give an invitation, added on top of `issued`.
#[component]
fn InviteCard(invites_owners: bool, issued: RwSignal<Vec<Invitation>>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(AdminRole::Analyst.as_str().to_owned());
    let error = RwSignal::new(None::<String>);
    let roles: Vec<AdminRole> = AdminRole::ALL.into_iter().filter(|r| *r != AdminRole::Owner || invites_owners).collect();
    let invite = crate::actions::write_or_error(|request: InvitationRequest| async move { api::invite(&request).await }, error, move |invitation| {
        email.set(String::new());
        issued.update(|list| list.insert(0, invitation));
    });
    let submit = on_submit(move || {
        let Some(r) = AdminRole::parse(&role.get_untracked()) else { return };
        match api::ApiError::address("email", &email.get_untracked()) {
            Ok(address) => {
                invite.dispatch(InvitationRequest { email: address, role: r });
            }
            Err(e) => error.set(Some(e.message)),
        };
    });
    view! {
        <Card title="Invite someone">
            <form class="filters" on:submit=submit aria-label="Invite">
                <TextField label="E-mail of the person to invite" name="invite_email" value=email kind="email" class="field inline grow" required=true />
                <SelectField label="Role" name="invite_role" value=role>
                    {roles.into_iter().map(|r| view! { <option value=r.as_str()>{r.as_str().replace('_', " ")}</option> }).collect_view()}
                </SelectField>
                <button type="submit">"Create invitation link"</button>
            </form>
            <p class="muted small">{move || AdminRole::parse(&role.get()).map(role_help).unwrap_or_default()}</p>
            <ErrorBox error=error.into() />
        </Card>
    }
}

/// The "Invitation links created here" card: this visit's invitations, newest first, with their links.
#[component]
fn IssuedInvitationsCard(issued: RwSignal<Vec<Invitation>>) -> impl IntoView {
    view! {
        <Card title="Invitation links created here">
            <p class="muted small">"Send each link to its person yourself. It works once, for 7 days; the person chooses a password and is signed in."</p>
            {move || {
                let list = issued.get();
                if list.is_empty() {
                    return muted("None yet.");
                }
                view! {
                    <ListTable testid="invitations-table" cols=&[Col::Text("E-mail"), Col::Text("Role"), Col::Text("Expires (UTC)"), Col::Text("Link")]>
                        {list.into_iter().map(|i| view! { <InvitationRow invitation=i /> }).collect_view()}
                    </ListTable>
                }.into_any()
            }}
        </Card>
    }
}

/// One issued invitation: who, which role, when it expires, and its accept link.
#[component]
fn InvitationRow(invitation: Invitation) -> impl IntoView {
    let i = invitation;
    let link = format!("{}{}", location_origin(), i.accept_path);
    view! {
        <tr data-invitee=i.email.clone()>
            <td>{i.email.clone()}</td>
            <td>{i.role.as_str().replace('_', " ")}</td>
            <td>{fmt::date_time(i.expires_at)}</td>
            <td><LinkField label=format!("Invitation link for {}", i.email) value=link testid="invitation-link" /></td>
        </tr>
    }
}
