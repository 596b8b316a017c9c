//! Admin user lifecycle (issue #12) end to end, on SQLite and PostgreSQL: owners disable and
//! re-enable users, change roles and delete users, and each change ends the user's live
//! sessions at once; the last active owner is always kept; reset links set a password once,
//! expire and cannot be forged; a user changes their own password, which ends their other
//! sessions and keeps the one that made the change.

use nps_e2e::admin::{OWNER_EMAIL, OWNER_PASSWORD, USER_PASSWORD as PASSWORD};
use nps_e2e::{Admin, Backend, Installation, on_both_backends, post_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "another long enough password";

/// A collector with its owner signed in; `f.base()` is where it listens.
struct Fixture(Installation);

nps_e2e::extends!(Fixture, Installation, 0);

impl Fixture {
    fn base(&self) -> &str {
        &self.collector.url
    }
}

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    Ok(Fixture(Installation::start(backend).await?))
}

/// Any admin request with the session's cookie and CSRF token: status and JSON body.
async fn call(admin: &Admin, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<(StatusCode, Value)> {
    admin.call(method, path, body.as_ref()).await
}

/// Whether a live session still works (`GET /api/admin/session`).
async fn whoami(admin: &Admin) -> anyhow::Result<StatusCode> {
    Ok(admin.try_get("/api/admin/session").await?.0)
}

/// A sign-in through the API (no session kept): status and body.
async fn sign_in(base: &str, email: &str, password: &str) -> anyhow::Result<(StatusCode, Value)> {
    post_json(&format!("{base}/api/admin/session"), &json!({ "email": email, "password": password })).await
}

/// Adds a user with a role (as the owner) and answers their id from the user list.
async fn add_user(owner: &Admin, email: &str, role: &str) -> anyhow::Result<i64> {
    owner.add_user(email, PASSWORD, role).await?;
    let listed = listed(owner, email).await?.ok_or_else(|| anyhow::anyhow!("{email} not listed"))?;
    listed["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no id in {listed}"))
}

/// The user's entry in `GET /api/admin/users`, if listed.
async fn listed(owner: &Admin, email: &str) -> anyhow::Result<Option<Value>> {
    let users: Vec<Value> = owner.get("/api/admin/users").await?;
    Ok(users.into_iter().find(|u| u["email"] == email))
}

async fn set_status(by: &Admin, id: i64, status: &str) -> anyhow::Result<(StatusCode, Value)> {
    call(by, Method::PUT, &format!("/api/admin/users/{id}/status"), Some(json!({ "status": status }))).await
}

async fn set_role(by: &Admin, id: i64, role: &str) -> anyhow::Result<(StatusCode, Value)> {
    call(by, Method::PUT, &format!("/api/admin/users/{id}/role"), Some(json!({ "role": role }))).await
}

async fn delete_user(by: &Admin, id: i64) -> anyhow::Result<(StatusCode, Value)> {
    call(by, Method::DELETE, &format!("/api/admin/users/{id}"), None).await
}

async fn reset_link(by: &Admin, id: i64) -> anyhow::Result<(StatusCode, Value)> {
    call(by, Method::POST, &format!("/api/admin/users/{id}/password-resets"), None).await
}

/// Uses a reset link without a session.
async fn use_reset(base: &str, token: &str, password: &str) -> anyhow::Result<(StatusCode, Value)> {
    post_json(&format!("{base}/api/admin/password-resets/{token}"), &json!({ "password": password })).await
}

async fn check_reset(base: &str, token: &str) -> anyhow::Result<(StatusCode, Value)> {
    nps_e2e::reply(reqwest::Client::new().get(format!("{base}/api/admin/password-resets/{token}"))).await
}

// ---------------------------------------------------------------------------------------------

async fn disabling_a_user_ends_their_sessions_and_blocks_sign_in(f: Fixture) -> anyhow::Result<()> {
    let id = add_user(&f.owner, "ana@example.com", "analyst").await?;
    let live = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    assert_eq!(whoami(&live).await?, StatusCode::OK);
    assert_eq!(listed(&f.owner, "ana@example.com").await?.map(|u| u["status"].clone()), Some(json!("active")));

    // Only owners disable; an admin is refused and nothing changes.
    add_user(&f.owner, "adm@example.com", "admin").await?;
    let admin = Admin::sign_in(f.base(), "adm@example.com", PASSWORD).await?;
    assert_eq!(set_status(&admin, id, "disabled").await?.0, StatusCode::FORBIDDEN);
    assert_eq!(whoami(&live).await?, StatusCode::OK);

    let (status, body) = set_status(&f.owner, id, "disabled").await?;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(whoami(&live).await?, StatusCode::UNAUTHORIZED, "the disabled user's session still works");
    assert_eq!(listed(&f.owner, "ana@example.com").await?.map(|u| u["status"].clone()), Some(json!("disabled")));

    // The right password gets exactly the answer of a wrong one.
    let right = sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    let wrong = sign_in(f.base(), "ana@example.com", "not the password at all").await?;
    assert_eq!(right.0, StatusCode::UNAUTHORIZED);
    assert_eq!(right, wrong);
    assert_eq!(right.1["message"], "wrong e-mail or password");

    // Re-enabled: signs in again; the session ended by disabling stays ended.
    assert_eq!(set_status(&f.owner, id, "active").await?.0, StatusCode::NO_CONTENT);
    assert_eq!(listed(&f.owner, "ana@example.com").await?.map(|u| u["status"].clone()), Some(json!("active")));
    let again = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    assert_eq!(whoami(&again).await?, StatusCode::OK);
    assert_eq!(whoami(&live).await?, StatusCode::UNAUTHORIZED);

    // Bad input is named; unknown users are 404.
    let (status, body) = set_status(&f.owner, id, "asleep").await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("status"), "{body}");
    assert_eq!(set_status(&f.owner, 9999, "disabled").await?.0, StatusCode::NOT_FOUND);
    let (status, body) = call(&f.owner, Method::PUT, "/api/admin/users/abc/status", Some(json!({ "status": "disabled" }))).await?;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
    Ok(())
}

async fn a_role_change_ends_the_sessions_and_the_next_sign_in_has_the_new_role(f: Fixture) -> anyhow::Result<()> {
    let id = add_user(&f.owner, "ana@example.com", "analyst").await?;
    let live = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    assert_eq!(call(&live, Method::GET, "/api/admin/users", None).await?.0, StatusCode::FORBIDDEN);

    // Non-owners cannot change roles (not even their own).
    assert_eq!(set_role(&live, id, "owner").await?.0, StatusCode::FORBIDDEN);

    let (status, body) = set_role(&f.owner, id, "admin").await?;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(whoami(&live).await?, StatusCode::UNAUTHORIZED, "the session from before the role change still works");
    assert_eq!(listed(&f.owner, "ana@example.com").await?.map(|u| u["role"].clone()), Some(json!("admin")));
    let fresh = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    assert_eq!(call(&fresh, Method::GET, "/api/admin/session", None).await?.1["role"], "admin");
    assert_eq!(call(&fresh, Method::GET, "/api/admin/users", None).await?.0, StatusCode::OK);

    let (status, body) = set_role(&f.owner, id, "emperor").await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(set_role(&f.owner, 9999, "hr").await?.0, StatusCode::NOT_FOUND);
    Ok(())
}

async fn deleting_a_user_ends_their_sessions(f: Fixture) -> anyhow::Result<()> {
    let id = add_user(&f.owner, "ana@example.com", "hr").await?;
    let live = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    add_user(&f.owner, "adm@example.com", "admin").await?;
    let admin = Admin::sign_in(f.base(), "adm@example.com", PASSWORD).await?;
    assert_eq!(delete_user(&admin, id).await?.0, StatusCode::FORBIDDEN);
    assert_eq!(whoami(&live).await?, StatusCode::OK);

    let (status, body) = delete_user(&f.owner, id).await?;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(whoami(&live).await?, StatusCode::UNAUTHORIZED);
    assert_eq!(listed(&f.owner, "ana@example.com").await?, None);
    assert_eq!(sign_in(f.base(), "ana@example.com", PASSWORD).await?.0, StatusCode::UNAUTHORIZED);
    assert_eq!(delete_user(&f.owner, id).await?.0, StatusCode::NOT_FOUND);
    Ok(())
}

async fn the_last_active_owner_is_always_kept(f: Fixture) -> anyhow::Result<()> {
    let me = listed(&f.owner, OWNER_EMAIL).await?.and_then(|u| u["id"].as_i64()).ok_or_else(|| anyhow::anyhow!("owner not listed"))?;

    // Nobody locks themselves out: no disabling or deleting oneself.
    let (status, body) = set_status(&f.owner, me, "disabled").await?;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{body}");
    assert_eq!(body["message"], "you cannot disable or enable your own account; ask another owner");
    let (status, body) = delete_user(&f.owner, me).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["message"], "you cannot delete your own account; ask another owner");

    // The last active owner cannot demote themselves; a disabled owner does not count.
    let other = add_user(&f.owner, "second@example.com", "owner").await?;
    assert_eq!(set_status(&f.owner, other, "disabled").await?.0, StatusCode::NO_CONTENT);
    let (status, body) = set_role(&f.owner, me, "admin").await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["message"], "this user is the last active owner; make another user an owner first");
    assert_eq!(whoami(&f.owner).await?, StatusCode::OK, "a refused change must not end the session");
    assert_eq!(listed(&f.owner, OWNER_EMAIL).await?.map(|u| u["role"].clone()), Some(json!("owner")));

    // With another active owner, demoting oneself works (and ends one's own sessions).
    assert_eq!(set_status(&f.owner, other, "active").await?.0, StatusCode::NO_CONTENT);
    let second = Admin::sign_in(f.base(), "second@example.com", PASSWORD).await?;
    assert_eq!(set_role(&f.owner, me, "admin").await?.0, StatusCode::NO_CONTENT);
    assert_eq!(whoami(&f.owner).await?, StatusCode::UNAUTHORIZED);
    // Now the second owner is the last active one: they cannot demote themselves either.
    assert_eq!(set_role(&second, other, "analyst").await?.0, StatusCode::CONFLICT);

    // Two owners disabling each other at the same moment: never zero active owners. An admin
    // watches the list (their session is never touched).
    set_role(&second, me, "owner").await?;
    add_user(&second, "watcher@example.com", "admin").await?;
    let watcher = Admin::sign_in(f.base(), "watcher@example.com", PASSWORD).await?;
    for _ in 0..5 {
        let a = Admin::sign_in(f.base(), OWNER_EMAIL, OWNER_PASSWORD).await?;
        let b = Admin::sign_in(f.base(), "second@example.com", PASSWORD).await?;
        let (ra, rb) = tokio::join!(set_status(&a, other, "disabled"), set_status(&b, me, "disabled"));
        // The loser gets 409 (the guard) or 401 (its session ended first).
        let outcomes = [ra?.0, rb?.0];
        assert_eq!(outcomes.iter().filter(|s| **s == StatusCode::NO_CONTENT).count(), 1, "{outcomes:?}");
        let users: Vec<Value> = watcher.get("/api/admin/users").await?;
        let active_owners: Vec<&Value> = users.iter().filter(|u| u["role"] == "owner" && u["status"] == "active").collect();
        assert_eq!(active_owners.len(), 1, "{users:?}");
        // The one still active re-enables the other.
        let (survivor, disabled) = if active_owners[0]["email"] == OWNER_EMAIL {
            (Admin::sign_in(f.base(), OWNER_EMAIL, OWNER_PASSWORD).await?, other)
        } else {
            (Admin::sign_in(f.base(), "second@example.com", PASSWORD).await?, me)
        };
        assert_eq!(set_status(&survivor, disabled, "active").await?.0, StatusCode::NO_CONTENT);
    }
    Ok(())
}

async fn a_reset_link_sets_the_password_once_and_ends_the_sessions(f: Fixture) -> anyhow::Result<()> {
    let id = add_user(&f.owner, "ana@example.com", "analyst").await?;
    let live = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;

    let (status, link) = reset_link(&f.owner, id).await?;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    assert_eq!(link["email"], "ana@example.com");
    let token = link["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(link["reset_path"].as_str(), Some(format!("/admin/reset?token={token}").as_str()));
    let expires = link["expires_at"].as_i64().unwrap_or_default();
    assert!((expires - nps_e2e::now_ms() - 24 * 3_600_000).abs() < 60_000, "expires_at {expires}");

    // The link is not a session; the page can say whose password it sets.
    let as_session = reqwest::Client::new().get(format!("{}/api/admin/session", f.base())).bearer_auth(&token).send().await?;
    assert_eq!(as_session.status(), StatusCode::UNAUTHORIZED);
    let (status, seen) = check_reset(f.base(), &token).await?;
    assert_eq!((status, seen["email"].as_str()), (StatusCode::OK, Some("ana@example.com")), "{seen}");

    // A too-short password is refused and does not use the link up.
    let (status, error) = use_reset(f.base(), &token, "short").await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error["message"].as_str().unwrap_or_default().contains("at least 10 characters"), "{error}");
    assert_eq!(whoami(&live).await?, StatusCode::OK);

    let (status, me) = use_reset(f.base(), &token, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me, json!({ "email": "ana@example.com", "role": "analyst" }));
    assert_eq!(whoami(&live).await?, StatusCode::UNAUTHORIZED, "a session from before the reset still works");
    assert_eq!(sign_in(f.base(), "ana@example.com", PASSWORD).await?.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(f.base(), "ana@example.com", NEW_PASSWORD).await?.0, StatusCode::OK);

    // Single use.
    let (status, error) = use_reset(f.base(), &token, "a third long password").await?;
    assert_eq!((status, error["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{error}");
    assert_eq!(error["message"], "the reset link has already been used; ask for a new one");
    assert_eq!(check_reset(f.base(), &token).await?.0, StatusCode::CONFLICT);
    assert_eq!(sign_in(f.base(), "ana@example.com", "a third long password").await?.0, StatusCode::UNAUTHORIZED);

    // Two uses of one fresh link at the same moment: exactly one sets the password.
    let token = reset_link(&f.owner, id).await?.1["token"].as_str().unwrap_or_default().to_owned();
    let (a, b) = tokio::join!(use_reset(f.base(), &token, "racing password one"), use_reset(f.base(), &token, "racing password two"));
    let mut statuses = [a?.0, b?.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let (one, two) = (sign_in(f.base(), "ana@example.com", "racing password one").await?.0, sign_in(f.base(), "ana@example.com", "racing password two").await?.0);
    assert_eq!([one, two].iter().filter(|s| **s == StatusCode::OK).count(), 1, "{one} {two}");

    // Who may create links: admins for non-owners only, analysts never.
    add_user(&f.owner, "adm@example.com", "admin").await?;
    let admin = Admin::sign_in(f.base(), "adm@example.com", PASSWORD).await?;
    assert_eq!(reset_link(&admin, id).await?.0, StatusCode::CREATED);
    let owner_id = listed(&f.owner, OWNER_EMAIL).await?.and_then(|u| u["id"].as_i64()).unwrap_or_default();
    assert_eq!(reset_link(&admin, owner_id).await?.0, StatusCode::FORBIDDEN);
    add_user(&f.owner, "bob@example.com", "analyst").await?;
    let analyst = Admin::sign_in(f.base(), "bob@example.com", PASSWORD).await?;
    assert_eq!(reset_link(&analyst, id).await?.0, StatusCode::FORBIDDEN);
    assert_eq!(reset_link(&f.owner, 9999).await?.0, StatusCode::NOT_FOUND);
    Ok(())
}

/// A reset link signed with the server's secret, as the collector would, with `exp` chosen.
fn forged_reset(id: i64, email: &str, exp: i64) -> anyhow::Result<String> {
    let claims = json!({ "sub": id.to_string(), "email": email, "by": OWNER_EMAIL, "jti": "x", "aud": "nps-admin-password-reset", "exp": exp });
    nps_e2e::tokens::sign_as_server(&claims)
}

async fn expired_forged_and_foreign_reset_links_are_refused(f: Fixture) -> anyhow::Result<()> {
    let id = add_user(&f.owner, "ana@example.com", "analyst").await?;
    let now = nps_e2e::now_secs();

    let (status, error) = use_reset(f.base(), &forged_reset(id, "ana@example.com", now - 3600)?, NEW_PASSWORD).await?;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("identity_expired")), "{error}");
    assert_eq!(error["message"], "the reset link has expired; ask for a new one");

    // Another signature: the first character of the third part changes.
    let token = reset_link(&f.owner, id).await?.1["token"].as_str().unwrap_or_default().to_owned();
    let tampered = nps_e2e::tokens::tampered(&token);
    let (status, error) = use_reset(f.base(), &tampered, NEW_PASSWORD).await?;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("identity_invalid")), "{error}");

    // Neither garbage nor a session token is a reset link.
    let (status, _) = use_reset(f.base(), "not.a.token", NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = reqwest::Client::new().post(format!("{}/api/admin/session", f.base())).json(&json!({ "email": "ana@example.com", "password": PASSWORD })).send().await?;
    let session_token = response.cookies().find(|c| c.name() == "nps_session").map(|c| c.value().to_owned()).ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    let (status, error) = use_reset(f.base(), &session_token, NEW_PASSWORD).await?;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("identity_invalid")), "{error}");

    // A link for an id whose e-mail is not the link's (a deleted and replaced user).
    let (status, _) = use_reset(f.base(), &forged_reset(id, "someone-else@example.com", now + 3600)?, NEW_PASSWORD).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing above changed the password.
    assert_eq!(sign_in(f.base(), "ana@example.com", PASSWORD).await?.0, StatusCode::OK);
    Ok(())
}

async fn changing_ones_password_ends_the_other_sessions_and_keeps_this_one(f: Fixture) -> anyhow::Result<()> {
    add_user(&f.owner, "ana@example.com", "analyst").await?;
    let here = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    let elsewhere = Admin::sign_in(f.base(), "ana@example.com", PASSWORD).await?;
    let change = |current: &str, new: &str| json!({ "current_password": current, "new_password": new });

    let (status, error) = call(&here, Method::POST, "/api/admin/session/password", Some(change("not my password", NEW_PASSWORD))).await?;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")), "{error}");
    let (status, error) = call(&here, Method::POST, "/api/admin/session/password", Some(change(PASSWORD, "short"))).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error["message"].as_str().unwrap_or_default().starts_with("new_password must be at least 10 characters"), "{error}");
    // Without the CSRF token a cookie session cannot change the password.
    let no_csrf = here.http.post(format!("{}/api/admin/session/password", f.base())).json(&change(PASSWORD, NEW_PASSWORD)).send().await?;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    assert_eq!(whoami(&elsewhere).await?, StatusCode::OK, "refused changes must not end sessions");

    let (status, session) = call(&here, Method::POST, "/api/admin/session/password", Some(change(PASSWORD, NEW_PASSWORD))).await?;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(whoami(&elsewhere).await?, StatusCode::UNAUTHORIZED, "the other session still works");
    // This browser got a new cookie and CSRF token: it stays signed in and can still write.
    assert_eq!(whoami(&here).await?, StatusCode::OK);
    let here = Admin { http: here.http.clone(), base: here.base.clone(), csrf: session["csrf_token"].as_str().unwrap_or_default().to_owned() };
    assert_eq!(call(&here, Method::POST, "/api/admin/session/password", Some(change(NEW_PASSWORD, PASSWORD))).await?.0, StatusCode::OK);
    assert_eq!(call(&here, Method::POST, "/api/admin/session/password", Some(change(PASSWORD, NEW_PASSWORD))).await?.0, StatusCode::FORBIDDEN, "the old CSRF token still works");

    assert_eq!(sign_in(f.base(), "ana@example.com", NEW_PASSWORD).await?.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(f.base(), "ana@example.com", PASSWORD).await?.0, StatusCode::OK);
    Ok(())
}

on_both_backends!(
    disabling_a_user_ends_their_sessions_and_blocks_sign_in,
    a_role_change_ends_the_sessions_and_the_next_sign_in_has_the_new_role,
    deleting_a_user_ends_their_sessions,
    the_last_active_owner_is_always_kept,
    a_reset_link_sets_the_password_once_and_ends_the_sessions,
    expired_forged_and_foreign_reset_links_are_refused,
    changing_ones_password_ends_the_other_sessions_and_keeps_this_one,
);

#[tokio::test]
async fn the_lifecycle_endpoints_are_in_the_openapi_document() -> anyhow::Result<()> {
    let f = fixture(Backend::Sqlite).await?;
    let doc: Value = reqwest::get(format!("{}/openapi.json", f.base())).await?.json().await?;
    for (path, method) in [
        ("/api/admin/users/{id}/status", "put"),
        ("/api/admin/users/{id}/role", "put"),
        ("/api/admin/users/{id}", "delete"),
        ("/api/admin/users/{id}/password-resets", "post"),
        ("/api/admin/password-resets/{token}", "get"),
        ("/api/admin/password-resets/{token}", "post"),
        ("/api/admin/session/password", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from /openapi.json");
    }
    Ok(())
}
