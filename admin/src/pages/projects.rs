//! Projects: list, create, and one project's keys, install snippet and surveys.

use crate::api;
use crate::components::{ErrorBox, FieldErrors, list_view, on_submit, resource_view};
use crate::{Link, Route, navigate, state};
use leptos::prelude::*;
use nps_core::wire::{AdminRole, Name, Origin, Project, ProjectInput, Survey};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[component]
pub fn Projects() -> impl IntoView {
    let projects = LocalResource::new(|| async { api::projects().await.map_err(|e| e.message) });
    let can_configure = move || state().user.get().is_some_and(|u| u.role.can_configure());
    view! {
        <h1>"Projects"</h1>
        <section class="card">
            <h2>"Your projects"</h2>
            {list_view(projects, "No projects yet: create one below.", |list| view! {
                <table class="list" data-testid="projects-table">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Public key"</th><th scope="col">"Identity"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|p| view! {
                            <tr>
                                <td><Link route=Route::Project(p.id)>{p.name.clone()}</Link></td>
                                <td><code>{p.public_key.clone()}</code></td>
                                <td>{if p.identity_enforced { "enforced" } else { "not enforced" }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
        <Show when=can_configure>
            <NewProject />
        </Show>
    }
}

/// The project a new-project form describes, or its problems (retention first, then the name, then each origin).
/// Each field is parsed with the collector's own rules (`nps_core::wire`), so what the form
/// accepts the collector accepts.
fn project_input(name: &str, origins: &str, enforced: bool, months: &str) -> Result<ProjectInput, Vec<String>> {
    let mut problems = Vec::new();
    let mut retention_months = None;
    if !months.trim().is_empty() {
        match months.trim().parse::<u16>() {
            Ok(m) if (1..=120).contains(&m) => retention_months = Some(m),
            _ => problems.push("retention_months must be 1 to 120, or empty to keep answers".to_owned()),
        }
    }
    let name = Name::parse(name.trim()).map_err(|e| problems.push(format!("name {e}"))).ok();
    let lines = origins.lines().map(|l| l.trim().trim_end_matches('/')).filter(|l| !l.is_empty());
    let mut allowed_origins = Vec::new();
    for (i, o) in lines.enumerate() {
        match Origin::parse(o) {
            Ok(origin) => allowed_origins.push(origin),
            Err(e) => problems.push(format!("allowed_origins[{i}] {e} (got `{o}`)")),
        }
    }
    match name {
        Some(name) if problems.is_empty() => {
            Ok(ProjectInput { name, allowed_origins, identity_enforced: enforced, fatigue: Default::default(), retention_months })
        }
        _ => Err(problems),
    }
}

/// The "New project" card: name, allowed origins, identity enforcement and retention.
#[component]
fn NewProject() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let origins = RwSignal::new(String::new());
    let enforced = RwSignal::new(false);
    let retention = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<String>);
    let create = crate::actions::write(
        |input: ProjectInput| async move { api::create_project(&input).await },
        move |answer| match answer {
            Ok(p) => navigate(Route::Project(p.id)),
            Err(e) if e.status == 422 => errors.set(e.problems()),
            Err(e) => error.set(Some(e.message)),
        },
    );
    let busy = create.pending();
    let submit = on_submit(move || {
        error.set(None);
        let checked = project_input(&name.get_untracked(), &origins.get_untracked(), enforced.get_untracked(), &retention.get_untracked());
        errors.set(checked.as_ref().err().cloned().unwrap_or_default());
        let Ok(input) = checked else { return };
        create.dispatch(input);
    });
    let errs: Signal<Vec<String>> = errors.into();
    view! {
        <section class="card">
            <h2>"New project"</h2>
            <form on:submit=submit novalidate data-testid="new-project">
                <label class="field"><span>"Name"</span>
                    <input type="text" name="name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <FieldErrors errors=errs path="name" />
                <label class="field">
                    <span>"Allowed origins (one per line, e.g. https://app.example.com; * = any)"</span>
                    <textarea name="allowed_origins" rows="3" prop:value=move || origins.get()
                        on:input=move |ev| origins.set(event_target_value(&ev))></textarea>
                </label>
                <FieldErrors errors=errs path="allowed_origins" />
                <label class="check">
                    <input type="checkbox" name="identity_enforced" prop:checked=move || enforced.get() on:change=move |ev| enforced.set(event_target_checked(&ev)) />
                    "Require identity verification (signed JWT from your backend)"
                </label>
                <label class="field"><span>"Delete raw answers after (months, 1 to 120; empty = keep them; reports from rollups keep the trend)"</span>
                    <input type="number" name="retention_months" min="1" max="120" prop:value=move || retention.get() on:input=move |ev| retention.set(event_target_value(&ev)) />
                </label>
                <FieldErrors errors=errs path="retention_months" />
                <ErrorBox error=error.into() />
                <div class="actions">
                    <button type="submit" disabled=move || busy.get()>"Create project"</button>
                </div>
            </form>
        </section>
    }
}

/// Writes `text` to the clipboard; `false` when the browser refused.
async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &JsValue::from_str("clipboard")).unwrap_or(JsValue::UNDEFINED);
    if clipboard.is_undefined() {
        return false;
    }
    let Ok(write) = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText")) else { return false };
    let Ok(write) = wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(write) else { return false };
    match write.call1(&clipboard, &JsValue::from_str(text)) {
        Ok(promise) => JsFuture::from(js_sys::Promise::from(promise)).await.is_ok(),
        Err(_) => false,
    }
}

pub fn install_snippet(origin: &str, key: &str) -> String {
    [
        format!("<script async src=\"{origin}/widget/nps.js\" data-project-key=\"{key}\"></script>"),
        "<script>".to_owned(),
        "  window.nps = window.nps || function () { (window.nps.q = window.nps.q || []).push(arguments); };".to_owned(),
        "  // After sign-in in your app: who the user is (identityToken: a JWT your backend signs".to_owned(),
        "  // with the project's identity secret, required when verification is enforced).".to_owned(),
        "  nps('identify', { userId: 'user-123', attributes: { plan: 'pro' }, identityToken: '...' });".to_owned(),
        "  // Moments that may trigger a survey:".to_owned(),
        "  nps('track', 'report_exported', { format: 'pdf' });".to_owned(),
        "</script>".to_owned(),
    ]
    .join("\n")
}

#[component]
fn CopyBlock(text: String, label: &'static str) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let for_copy = text.clone();
    let write = crate::actions::write(
        |text: String| async move { copy_text(&text).await },
        move |copied| status.set(if copied { "Copied.".to_owned() } else { "Select the text and press Ctrl+C to copy.".to_owned() }),
    );
    let copy = move |_| {
        write.dispatch(for_copy.clone());
    };
    view! {
        <div class="copy-block">
            <pre tabindex="0" aria-label=label data-testid="install-snippet"><code>{text}</code></pre>
            <button type="button" class="secondary" on:click=copy>"Copy to clipboard"</button>
            <span class="muted" role="status">{move || status.get()}</span>
        </div>
    }
}

/// What a status means for someone installing the widget.
fn activity_meaning(status: u16) -> &'static str {
    match status {
        200..=299 => "received",
        304 => "received (configuration unchanged)",
        401 => "refused: identity token missing, forged or expired",
        403 => "refused: this page's origin is not in the allowed origins",
        404 => "refused: unknown project key or survey",
        413 | 400 | 415 | 422 => "refused: the request was malformed",
        429 => "refused: rate limit",
        _ => "failed on the collector (see its log)",
    }
}

/// "Check installation": the last requests the widget made, newest first, with what became
/// of each, so a missing origin or identity token shows up at once.
#[component]
fn CheckInstallation(project_id: i64) -> impl IntoView {
    // Asked on demand: the answer is the action's value.
    let ask = Action::new_local(move |_: &()| async move { api::activity(project_id).await.map_err(|e| e.message) });
    let entries = ask.value();
    let check = move |_| {
        ask.dispatch(());
    };
    view! {
        <div class="actions">
            <button type="button" class="secondary" on:click=check data-testid="check-installation">"Check installation"</button>
        </div>
        {move || match entries.get() {
            None => view! { <span></span> }.into_any(),
            Some(Err(e)) => crate::components::alert(e),
            Some(Ok(list)) if list.is_empty() => view! {
                <p class="muted" role="status">"Nothing received yet from this project's widget. Open a page of your app with the snippet, then check again."</p>
            }.into_any(),
            Some(Ok(list)) => view! {
                <table class="list" data-testid="installation-activity">
                    <caption>"Last requests from your app (newest first)"</caption>
                    <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Call"</th><th scope="col">"Origin"</th><th scope="col">"Result"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|e| view! {
                            <tr>
                                <td>{crate::fmt::date_time(e.at)}</td>
                                <td><code>{format!("{} {}", e.method, e.endpoint)}</code></td>
                                <td>{e.origin.unwrap_or_else(|| "(none)".to_owned())}</td>
                                <td>{format!("{} {}", e.status, activity_meaning(e.status))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}

#[component]
pub fn ProjectPage(id: i64) -> impl IntoView {
    let project = LocalResource::new(move || async move { api::project(id).await.map_err(|e| e.message) });
    let surveys = LocalResource::new(move || async move { api::surveys(id).await.map_err(|e| e.message) });
    let rotate_error = RwSignal::new(None::<String>);
    let rotate_secret = crate::actions::write_or_error(move |()| api::rotate_secret(id), rotate_error, move |p| project.set(Some(Ok(p))));
    let rotate = move || {
        if crate::confirmed("Rotate the identity secret? Tokens signed with the old secret stop working.") {
            rotate_secret.dispatch(());
        }
    };
    view! {
        <p class="crumbs"><Link route=Route::Projects>"Projects"</Link></p>
        {resource_view(project, move |p| project_cards(p, rotate_error, rotate))}
        <SurveysCard id=id surveys=surveys />
    }
}

/// A project's name, its keys (the identity secret with "Rotate secret" for those who
/// configure), and how to install the widget.
fn project_cards<R>(p: Project, rotate_error: RwSignal<Option<String>>, rotate: R) -> impl IntoView + use<R>
where
    R: Fn() + Copy + Send + Sync + 'static,
{
    let can_configure = move || state().user.get().is_some_and(|u| u.role.can_configure());
    let snippet = install_snippet(&crate::location_origin(), &p.public_key);
    let origins = if p.allowed_origins.is_empty() { "none (the widget is refused everywhere)".to_owned() } else { p.allowed_origins.join(", ") };
    view! {
        <h1 data-testid="project-name">{p.name.clone()}</h1>
        <section class="card">
            <h2>"Keys"</h2>
            <dl class="facts">
                <dt>"Public key"</dt>
                <dd><code data-testid="public-key">{p.public_key.clone()}</code> <span class="muted">" (write-only, safe to publish)"</span></dd>
                <dt>"Allowed origins"</dt>
                <dd>{origins}</dd>
                <dt>"Identity verification"</dt>
                <dd>{if p.identity_enforced { "enforced" } else { "not enforced" }}</dd>
                {p.identity_secret.clone().map(|secret| view! {
                    <dt>"Identity secret"</dt>
                    <dd>
                        <code data-testid="identity-secret">{secret}</code>
                        " "
                        <Show when=can_configure>
                            <button type="button" class="secondary" on:click=move |_| rotate()>"Rotate secret"</button>
                        </Show>
                        <ErrorBox error=rotate_error.into() />
                    </dd>
                })}
            </dl>
        </section>
        <section class="card">
            <h2>"Install"</h2>
            <p>"Add this to every page of your app, then identify the signed-in user and track the moments that matter:"</p>
            <CopyBlock text=snippet label="Install snippet" />
            <Show when=can_configure>
                <CheckInstallation project_id=p.id />
            </Show>
        </section>
    }
}

/// A project's surveys, with the project's tools for the signed-in role and "New survey".
#[component]
fn SurveysCard(id: i64, surveys: LocalResource<Result<Vec<Survey>, String>>) -> impl IntoView {
    let can_configure = move || state().user.get().is_some_and(|u| u.role.can_configure());
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"Surveys"</h2>
                <nav class="tools" aria-label="Project tools">
                    {move || state().user.get().map(|u| project_tools(u.role, id).into_iter().map(|(route, label)| view! {
                        <Link route=route class="button secondary">{label}</Link>
                    }).collect_view())}
                </nav>
                <Show when=can_configure>
                    <Link route=Route::NewSurvey(id) class="button">"New survey"</Link>
                </Show>
            </div>
            {list_view(surveys, "No surveys yet.", |list| view! {
                <table class="list" data-testid="surveys-table">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Kind"</th><th scope="col">"Status"</th><th scope="col">"Open"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| view! {
                            <tr>
                                <td>{s.name.clone()}</td>
                                <td>{s.kind.as_str()}</td>
                                <td><span class=format!("status {}", s.status.as_str())>{s.status.as_str()}</span></td>
                                <td class="links">
                                    <Link route=Route::Survey(s.id)>"Edit"</Link>
                                    <Link route=Route::Report(s.id)>"Report"</Link>
                                    <Link route=Route::Responses(s.id)>"Responses"</Link>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

/// The project's tools a role may open, so that no control leads to a 403: employee NPS has
/// no follow-ups and no accounts; partner NPS is closed to HR; webhooks, data requests and the
/// comment themes are configuration.
pub fn project_tools(role: AdminRole, project_id: i64) -> Vec<(Route, &'static str)> {
    [
        (role.works_followups(), Route::FollowUps(project_id), "Follow-ups"),
        (role.reads_accounts(), Route::AtRisk(project_id), "Accounts at risk"),
        (role.reads_accounts(), Route::Revenue(project_id), "Revenue"),
        (role.reads_partners(), Route::Partners(project_id), "Partners"),
        (role.can_configure(), Route::Webhooks(project_id), "Webhooks"),
        (role.can_configure(), Route::DataRequests(project_id), "Data requests"),
        (role.can_configure(), Route::Taxonomy(project_id), "Comment themes"),
    ]
    .into_iter()
    .filter_map(|(allowed, route, label)| allowed.then_some((route, label)))
    .collect()
}

#[cfg(test)]
mod tests {
    use nps_core::wire::AdminRole;

    #[test]
    fn each_role_sees_the_tools_it_may_open() {
        let labels = |role| super::project_tools(role, 1).into_iter().map(|(_, l)| l).collect::<Vec<_>>();
        assert_eq!(labels(AdminRole::Owner), ["Follow-ups", "Accounts at risk", "Revenue", "Partners", "Webhooks", "Data requests", "Comment themes"]);
        assert_eq!(labels(AdminRole::Analyst), ["Follow-ups", "Accounts at risk", "Revenue", "Partners"]);
        assert_eq!(labels(AdminRole::Hr), Vec::<&str>::new());
        assert_eq!(labels(AdminRole::PartnerManager), ["Follow-ups", "Partners"]);
    }

    #[test]
    fn the_snippet_loads_the_loader_with_the_key_and_shows_identify_and_track() {
        let s = super::install_snippet("https://nps.example.com", "pk_abc");
        assert!(s.starts_with("<script async src=\"https://nps.example.com/widget/nps.js\" data-project-key=\"pk_abc\"></script>\n"));
        assert!(s.contains("\n  nps('identify', {") && s.contains("\n  nps('track', "));
    }
}
