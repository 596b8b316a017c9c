//! Signed links and widget sessions stop working when what they were issued for changes
//! (security review, docs/security.md "What each token is bound to"), on SQLite and PostgreSQL:
//! - a password-reset link dies when its user is promoted (an admin's link for an analyst
//!   must not take over the owner the analyst became), and with its issuer (deleted,
//!   disabled, demoted); a normal reset still works, and the issuer's sign-out does not kill it;
//! - an invitation works once, also after the user it created is deleted, and dies with its
//!   issuer;
//! - a widget session dies when the project's identity secret is rotated, and a session from
//!   an unsigned identify dies when enforce mode is switched on. Both answer 401 with a code the
//!   widget keeps its queued answers for (`identity_expired`, `identity_required`).
//!
//! Each failed on the build before the fix: the links carried no state to compare, invitations
//! were single-use only through the e-mail's account, widget sessions named only the user.

use nps_core::wire::{ProjectInput, SurveyKind};
use nps_e2e::admin::{OWNER_EMAIL, USER_PASSWORD as PASSWORD};
use nps_e2e::{Admin, Backend, Installation, assert_error, new_id, on_both_backends, post_json, project_input};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "a new password nobody else knows";

/// A collector with its owner signed in.
struct Fixture(Installation);

nps_e2e::extends!(Fixture, Installation, 0);

impl Fixture {
    fn base(&self) -> &str {
        &self.collector.url
    }

    /// Adds a user (as the owner) and answers their id.
    async fn add(&self, email: &str, role: &str) -> anyhow::Result<i64> {
        self.owner.add_user(email, PASSWORD, role).await?;
        let users: Vec<Value> = self.owner.get("/api/admin/users").await?;
        let user = users.iter().find(|u| u["email"] == email).ok_or_else(|| anyhow::anyhow!("{email} not listed"))?;
        user["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no id in {user}"))
    }

    /// An owner's change to a user, which must succeed.
    async fn change(&self, id: i64, what: &str, value: &str) -> anyhow::Result<()> {
        let (status, body) = self.owner.call(Method::PUT, &format!("/api/admin/users/{id}/{what}"), Some(&json!({ what: value }))).await?;
        anyhow::ensure!(status == StatusCode::NO_CONTENT, "{what} {value}: {status} {body}");
        Ok(())
    }

    async fn delete(&self, id: i64) -> anyhow::Result<()> {
        let (status, body) = self.owner.call(Method::DELETE, &format!("/api/admin/users/{id}"), None).await?;
        anyhow::ensure!(status == StatusCode::NO_CONTENT, "delete: {status} {body}");
        Ok(())
    }

    /// Uses a reset link (no session).
    async fn use_reset(&self, token: &str, password: &str) -> anyhow::Result<(StatusCode, Value)> {
        post_json(&format!("{}/api/admin/password-resets/{token}", self.base()), &json!({ "password": password })).await
    }

    async fn check_reset(&self, token: &str) -> anyhow::Result<(StatusCode, Value)> {
        nps_e2e::reply(reqwest::Client::new().get(format!("{}/api/admin/password-resets/{token}", self.base()))).await
    }

    async fn accept(&self, token: &str, password: &str) -> anyhow::Result<(StatusCode, Value)> {
        post_json(&format!("{}/api/admin/invitations/accept", self.base()), &json!({ "token": token, "password": password })).await
    }

    async fn check_invitation(&self, token: &str) -> anyhow::Result<(StatusCode, Value)> {
        nps_e2e::reply(reqwest::Client::new().get(format!("{}/api/admin/invitations/check", self.base())).query(&[("token", token)])).await
    }

    /// Whether the password signs the user in.
    async fn signs_in(&self, email: &str, password: &str) -> bool {
        Admin::sign_in(self.base(), email, password).await.is_ok()
    }
}

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    Ok(Fixture(Installation::start(backend).await?))
}

/// A reset link `by` creates for user `id`: its token.
async fn reset_token(by: &Admin, id: i64) -> anyhow::Result<String> {
    let (status, link) = by.call(Method::POST, &format!("/api/admin/users/{id}/password-resets"), None).await?;
    anyhow::ensure!(status == StatusCode::CREATED, "reset link: {status} {link}");
    Ok(link["token"].as_str().unwrap_or_default().to_owned())
}

/// An invitation `by` issues: its token.
async fn invitation(by: &Admin, email: &str, role: &str) -> anyhow::Result<String> {
    let (status, body) = by.try_post("/api/admin/invitations", &json!({ "email": email, "role": role })).await?;
    anyhow::ensure!(status == StatusCode::CREATED, "invite: {status} {body}");
    Ok(body["token"].as_str().unwrap_or_default().to_owned())
}

on_both_backends!(
    a_reset_link_dies_when_its_user_is_promoted_and_a_normal_reset_works,
    a_reset_link_dies_with_its_issuers_rights,
    an_invitation_works_once_even_after_its_user_is_deleted,
    an_invitation_dies_with_its_issuers_rights,
    rotating_the_identity_secret_ends_the_widget_sessions_it_verified,
    switching_enforce_mode_on_ends_unverified_widget_sessions,
);

// ---------------------------------------------------------------------------------------------
// Password-reset links

async fn a_reset_link_dies_when_its_user_is_promoted_and_a_normal_reset_works(f: Fixture) -> anyhow::Result<()> {
    f.add("adm@example.com", "admin").await?;
    let admin = Admin::sign_in(f.base(), "adm@example.com", PASSWORD).await?;
    let x = f.add("x@example.com", "analyst").await?;

    // The admin keeps a link for analyst X; an owner then makes X an owner.
    let kept = reset_token(&admin, x).await?;
    f.change(x, "role", "owner").await?;
    let (status, body) = f.use_reset(&kept, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "the account of x@example.com changed since it was made");
    let (status, body) = f.check_reset(&kept).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(!f.signs_in("x@example.com", NEW_PASSWORD).await, "the admin took over an owner");
    assert!(f.signs_in("x@example.com", PASSWORD).await);

    // A normal reset still works, once.
    let y = f.add("y@example.com", "analyst").await?;
    let token = reset_token(&admin, y).await?;
    assert_eq!(f.check_reset(&token).await?.0, StatusCode::OK);
    let (status, me) = f.use_reset(&token, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert!(f.signs_in("y@example.com", NEW_PASSWORD).await);
    let (status, body) = f.use_reset(&token, "yet another long password").await?;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "conflict", "already been used");

    // A new password voids the links made before it (the reset above moved Y's epoch too).
    let older = reset_token(&admin, y).await?;
    let ysession = Admin::sign_in(f.base(), "y@example.com", NEW_PASSWORD).await?;
    let change = json!({ "current_password": NEW_PASSWORD, "new_password": "y chose this one herself" });
    assert_eq!(ysession.call(Method::POST, "/api/admin/session/password", Some(&change)).await?.0, StatusCode::OK);
    let (status, body) = f.use_reset(&older, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "changed since it was made");
    Ok(())
}

async fn a_reset_link_dies_with_its_issuers_rights(f: Fixture) -> anyhow::Result<()> {
    let x = f.add("x@example.com", "analyst").await?;
    let a = f.add("a@example.com", "admin").await?;
    let admin = Admin::sign_in(f.base(), "a@example.com", PASSWORD).await?;

    // Signing out does not void the links one made.
    let token = reset_token(&admin, x).await?;
    assert_eq!(admin.call(Method::DELETE, "/api/admin/session", None).await?.0, StatusCode::NO_CONTENT);
    assert_eq!(f.check_reset(&token).await?.0, StatusCode::OK);

    // Disabled: refused; re-enabled: still refused (the link is from before).
    f.change(a, "status", "disabled").await?;
    let (status, body) = f.use_reset(&token, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "a@example.com, who made it, has been disabled");
    f.change(a, "status", "active").await?;
    let (status, body) = f.use_reset(&token, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "the account of a@example.com, who made it, changed since");

    // Demoted to analyst.
    let admin = Admin::sign_in(f.base(), "a@example.com", PASSWORD).await?;
    let token = reset_token(&admin, x).await?;
    f.change(a, "role", "analyst").await?;
    let (status, body) = f.use_reset(&token, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "who made it, changed since");

    // Deleted.
    f.change(a, "role", "admin").await?;
    let admin = Admin::sign_in(f.base(), "a@example.com", PASSWORD).await?;
    let token = reset_token(&admin, x).await?;
    f.delete(a).await?;
    let (status, body) = f.use_reset(&token, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "a@example.com, who made it, no longer has an account");
    assert!(f.signs_in("x@example.com", PASSWORD).await, "a refused link changed the password");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Invitations

async fn an_invitation_works_once_even_after_its_user_is_deleted(f: Fixture) -> anyhow::Result<()> {
    let token = invitation(&f.owner, "ana@example.com", "admin").await?;
    let (status, body) = f.accept(&token, PASSWORD).await?;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let users: Vec<Value> = f.owner.get("/api/admin/users").await?;
    let ana = users.iter().find(|u| u["email"] == "ana@example.com").and_then(|u| u["id"].as_i64()).unwrap_or_default();
    f.delete(ana).await?;

    // The deleted user cannot come back with the old link.
    let (status, body) = f.check_invitation(&token).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = f.accept(&token, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "the invitation has already been used");
    assert!(!f.signs_in("ana@example.com", NEW_PASSWORD).await, "the deleted user came back");

    // Two acceptances of one fresh invitation at the same moment: exactly one user.
    let token = invitation(&f.owner, "bo@example.com", "analyst").await?;
    let (a, b) = tokio::join!(f.accept(&token, "racing password one"), f.accept(&token, "racing password two"));
    let mut statuses = [a?.0, b?.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    Ok(())
}

async fn an_invitation_dies_with_its_issuers_rights(f: Fixture) -> anyhow::Result<()> {
    let a = f.add("a@example.com", "admin").await?;
    let admin = Admin::sign_in(f.base(), "a@example.com", PASSWORD).await?;

    // Signing out does not void the invitations one issued.
    let kept = invitation(&admin, "one@example.com", "analyst").await?;
    assert_eq!(admin.call(Method::DELETE, "/api/admin/session", None).await?.0, StatusCode::NO_CONTENT);
    assert_eq!(f.check_invitation(&kept).await?.0, StatusCode::OK);

    // Disabled before acceptance.
    f.change(a, "status", "disabled").await?;
    let (status, body) = f.accept(&kept, PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "a@example.com, who issued it, has been disabled");
    f.change(a, "status", "active").await?;

    // Deleted before acceptance.
    let admin = Admin::sign_in(f.base(), "a@example.com", PASSWORD).await?;
    let token = invitation(&admin, "two@example.com", "hr").await?;
    f.delete(a).await?;
    let (status, body) = f.check_invitation(&token).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = f.accept(&token, PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "a@example.com, who issued it, no longer has an account");
    assert!(!f.signs_in("two@example.com", PASSWORD).await);

    // An owner's invitation of an owner dies when that owner is demoted.
    let o = f.add("o2@example.com", "owner").await?;
    let second = Admin::sign_in(f.base(), "o2@example.com", PASSWORD).await?;
    let token = invitation(&second, "three@example.com", "owner").await?;
    f.change(o, "role", "admin").await?;
    let (status, body) = f.accept(&token, PASSWORD).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", "who issued it, changed since");
    assert!(!f.signs_in("three@example.com", PASSWORD).await);

    // The owner's own invitations are unaffected.
    let token = invitation(&f.owner, "four@example.com", "analyst").await?;
    assert_eq!(f.accept(&token, PASSWORD).await?.0, StatusCode::CREATED);
    assert!(f.signs_in("four@example.com", PASSWORD).await);
    assert!(f.signs_in(OWNER_EMAIL, nps_e2e::admin::OWNER_PASSWORD).await);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Widget sessions

/// A project (enforcing identities or not) with a live tNPS survey: the project and survey ids,
/// its identity secret and its client API base.
async fn widget_project(f: &Fixture, enforced: bool) -> anyhow::Result<(i64, i64, String, String)> {
    let input = ProjectInput { identity_enforced: enforced, ..project_input("Widget", &["*"])? };
    let project: nps_core::wire::Project = f.owner.post("/api/admin/projects", &input).await?;
    let survey = f.owner.create_live_survey(project.id, SurveyKind::Tnps).await?;
    let base = format!("{}/v1/p/{}", f.base(), project.public_key);
    Ok((project.id, survey.id, project.identity_secret.unwrap_or_default(), base))
}

/// Identifies `user` (signed with `secret` if given): the widget session token.
async fn identify(base: &str, user: &str, secret: Option<&str>) -> anyhow::Result<String> {
    let mut body = json!({ "user_id": user });
    if let Some(secret) = secret {
        body["identity_token"] = json!(nps_e2e::tokens::sign(secret, &json!({ "sub": user, "exp": nps_e2e::now_secs() + 600 }))?);
    }
    let (status, reply) = post_json(&format!("{base}/identify"), &body).await?;
    anyhow::ensure!(status == StatusCode::OK, "identify: {status} {reply}");
    Ok(reply["session_token"].as_str().unwrap_or_default().to_owned())
}

/// POSTs a client write or decision with the session as the widget does.
async fn with_session(base: &str, path: &str, session: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
    nps_e2e::reply(reqwest::Client::new().post(format!("{base}/{path}")).bearer_auth(session).json(body)).await
}

fn answer(survey: i64, user: &str) -> Value {
    json!({ "response_id": new_id(), "survey_id": survey, "user_id": user, "score": 9 })
}

fn decision(survey: i64, user: &str) -> Value {
    json!({ "user_id": user, "display_id": new_id(), "survey_id": survey })
}

async fn rotating_the_identity_secret_ends_the_widget_sessions_it_verified(f: Fixture) -> anyhow::Result<()> {
    let (project, survey, secret, base) = widget_project(&f, true).await?;
    let old = identify(&base, "alice", Some(&secret)).await?;
    assert_eq!(with_session(&base, "responses", &old, &answer(survey, "alice")).await?.0, StatusCode::ACCEPTED);
    assert_eq!(with_session(&base, "decide", &old, &decision(survey, "alice")).await?.0, StatusCode::OK);

    let rotated: nps_core::wire::Project = f.owner.post(&format!("/api/admin/projects/{project}/rotate-secret"), &json!({})).await?;
    let new_secret = rotated.identity_secret.unwrap_or_default();
    assert_ne!(new_secret, secret);

    // The widget keeps a write refused with `identity_expired` queued until it identifies again.
    for (path, body) in [("responses", answer(survey, "alice")), ("decide", decision(survey, "alice"))] {
        let (status, error) = with_session(&base, path, &old, &body).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {error}");
        assert_error(&error, "identity_expired", "identity secret that has since been rotated");
    }
    // Identifying again with the new secret works.
    let fresh = identify(&base, "alice", Some(&new_secret)).await?;
    assert_eq!(with_session(&base, "responses", &fresh, &answer(survey, "alice")).await?.0, StatusCode::ACCEPTED);
    Ok(())
}

async fn switching_enforce_mode_on_ends_unverified_widget_sessions(f: Fixture) -> anyhow::Result<()> {
    let (project, survey, secret, base) = widget_project(&f, false).await?;
    let unverified = identify(&base, "bob", None).await?;
    let verified = identify(&base, "carol", Some(&secret)).await?;

    let input = ProjectInput { identity_enforced: true, ..project_input("Widget", &["*"])? };
    f.owner.put(&format!("/api/admin/projects/{project}"), &input).await?;

    for (path, body) in [("responses", answer(survey, "bob")), ("decide", decision(survey, "bob"))] {
        let (status, error) = with_session(&base, path, &unverified, &body).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {error}");
        assert_error(&error, "identity_required", "issued without an identity_token");
    }
    // A session an identity token vouched for keeps working.
    assert_eq!(with_session(&base, "responses", &verified, &answer(survey, "carol")).await?.0, StatusCode::ACCEPTED);
    Ok(())
}
