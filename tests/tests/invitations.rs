//! Admin invitations end to end: an owner invites an e-mail with a role, the invitee checks
//! the link, sets a password and signs in with the invited role; the link is single-use,
//! expires, cannot be forged or replayed as a session, and only owners invite owners.

use nps_e2e::admin::USER_PASSWORD as PASSWORD;
use nps_e2e::{Admin, Backend, Installation, on_both_backends, post_json};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(base: &str, path: &str, body: Value) -> anyhow::Result<(StatusCode, Value)> {
    post_json(&format!("{base}{path}"), &body).await
}

async fn check(base: &str, token: &str) -> anyhow::Result<(StatusCode, Value)> {
    nps_e2e::reply(reqwest::Client::new().get(format!("{base}/api/admin/invitations/check")).query(&[("token", token)])).await
}

async fn invite(admin: &Admin, email: &str, role: &str) -> anyhow::Result<(StatusCode, Value)> {
    admin.try_post("/api/admin/invitations", &json!({ "email": email, "role": role })).await
}

/// An invitation signed with the server's secret, as the collector would, but with `exp` chosen.
fn forged(email: &str, exp: i64) -> anyhow::Result<String> {
    let claims = json!({ "sub": email, "role": "analyst", "by": "owner@example.com", "jti": "x", "aud": "nps-admin-invitation", "exp": exp });
    nps_e2e::tokens::sign_as_server(&claims)
}

on_both_backends!(an_invited_user_sets_a_password_once_and_signs_in_with_the_invited_role);

async fn fixture(backend: Backend) -> anyhow::Result<Installation> {
    Installation::start(backend).await
}

async fn an_invited_user_sets_a_password_once_and_signs_in_with_the_invited_role(installation: Installation) -> anyhow::Result<()> {
    let Installation { collector, owner, .. } = &installation;
    let base = collector.url.clone();

    // Issued: a token, the accept path, the role, an expiry about a week ahead.
    let (status, invitation) = invite(owner, " Ana@Example.com ", "analyst").await?;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    assert_eq!(invitation["email"], "ana@example.com");
    assert_eq!(invitation["role"], "analyst");
    assert_eq!(invitation["invited_by"], "owner@example.com");
    let token = invitation["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(invitation["accept_path"].as_str(), Some(format!("/admin/accept?token={token}").as_str()));
    let now = nps_e2e::now_ms();
    let expires = invitation["expires_at"].as_i64().unwrap_or_default();
    assert!((expires - now - 7 * 86_400_000).abs() < 60_000, "expires_at {expires}");

    // The invitee's page can say what the invitation is for, without a session.
    let (status, seen) = check(&base, &token).await?;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!((seen["email"].as_str(), seen["role"].as_str()), (Some("ana@example.com"), Some("analyst")));

    // The invitation is not a session.
    let as_session = reqwest::Client::new().get(format!("{base}/api/admin/session")).bearer_auth(&token).send().await?;
    assert_eq!(as_session.status(), StatusCode::UNAUTHORIZED);

    // A too-short password is refused and does not use the invitation up.
    let (status, error) = post(&base, "/api/admin/invitations/accept", json!({ "token": token, "password": "short" })).await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error["message"].as_str().unwrap_or_default().contains("at least 10 characters"), "{error}");

    let (status, user) = post(&base, "/api/admin/invitations/accept", json!({ "token": token, "password": PASSWORD })).await?;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user, json!({ "email": "ana@example.com", "role": "analyst" }));
    let ana = Admin::sign_in(&base, "ana@example.com", PASSWORD).await?;
    let me: Value = ana.get("/api/admin/session").await?;
    assert_eq!(me["role"], "analyst");
    // ...with the analyst's rights only: no inviting, no user list.
    assert_eq!(invite(&ana, "bob@example.com", "analyst").await?.0, StatusCode::FORBIDDEN);
    assert_eq!(ana.http.get(format!("{base}/api/admin/users")).send().await?.status(), StatusCode::FORBIDDEN);
    // The owner's list shows the new user with the invited role, and no password hashes.
    let users: Vec<Value> = owner.get("/api/admin/users").await?;
    let listed: Vec<(&str, &str)> = users.iter().map(|u| (u["email"].as_str().unwrap_or_default(), u["role"].as_str().unwrap_or_default())).collect();
    assert_eq!(listed, [("ana@example.com", "analyst"), ("owner@example.com", "owner")]);
    assert!(users.iter().all(|u| u.get("password_hash").is_none() && u["created_at"].as_i64().is_some_and(|t| t > 0)));

    // Single use: accepting or checking again is refused with a clear message.
    let (status, error) = post(&base, "/api/admin/invitations/accept", json!({ "token": token, "password": "another long password" })).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["code"], "conflict");
    assert_eq!(error["message"], "the invitation has already been used; sign in instead");
    assert_eq!(check(&base, &token).await?.0, StatusCode::CONFLICT);
    assert!(Admin::sign_in(&base, "ana@example.com", "another long password").await.is_err(), "the password did not change");
    // An address that already has an account cannot be invited.
    assert_eq!(invite(owner, "ana@example.com", "admin").await?.0, StatusCode::CONFLICT);

    expired_and_forged_links_are_refused(&base, &token, now).await?;
    admins_invite_below_their_role_and_bad_addresses_are_named(owner).await?;
    the_endpoints_are_documented(&base).await
}

async fn expired_and_forged_links_are_refused(base: &str, token: &str, now: i64) -> anyhow::Result<()> {
    let (status, error) = post(base, "/api/admin/invitations/accept", json!({ "token": forged("old@example.com", now / 1000 - 3600)?, "password": PASSWORD })).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert_eq!(error["message"], "the invitation has expired; ask for a new one");
    // Another signature: the first character of the third part changes (all its bits count).
    let (status, error) = check(base, &nps_e2e::tokens::tampered(token)).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert_eq!(error["code"], "identity_invalid");
    assert!(Admin::sign_in(base, "old@example.com", PASSWORD).await.is_err());

    Ok(())
}

async fn admins_invite_below_their_role_and_bad_addresses_are_named(owner: &Admin) -> anyhow::Result<()> {
    let admin = owner.add_signed_in_user("admin@example.com", "admin").await?;
    assert_eq!(invite(&admin, "carol@example.com", "owner").await?.0, StatusCode::FORBIDDEN);
    assert_eq!(invite(&admin, "carol@example.com", "hr").await?.0, StatusCode::CREATED);
    let (status, error) = invite(owner, "not-an-address", "analyst").await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("email: must be an e-mail address like name@example.com"), "{message}");

    Ok(())
}

async fn the_endpoints_are_documented(base: &str) -> anyhow::Result<()> {
    let doc: Value = reqwest::get(format!("{base}/openapi.json")).await?.json().await?;
    for (path, method) in [
        ("/api/admin/invitations", "post"),
        ("/api/admin/invitations/check", "get"),
        ("/api/admin/invitations/accept", "post"),
        ("/api/admin/users", "get"),
        ("/api/admin/campaigns", "get"),
        ("/api/admin/projects/{id}/followup-policy", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from /openapi.json");
    }
    Ok(())
}
