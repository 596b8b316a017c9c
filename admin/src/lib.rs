//! The admin single-page app: leptos CSR compiled to WASM, served by the collector under
//! `/admin` and mounted into `<div id="app">`.
//!
//! Routing is a small path router over `history.pushState` (`/admin/...` paths); every path
//! the app produces is also served as `index.html` by the collector, so reloads and deep
//! links work.

pub mod api;
pub mod components;
pub mod fmt;
pub mod pages;
mod stacked_tables;
pub mod asked;
pub mod actions;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// A screen of the app, parsed from `location.pathname`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Projects,
    Project(i64),
    NewSurvey(i64),
    Survey(i64),
    Report(i64),
    Responses(i64),
    FollowUps(i64),
    AtRisk(i64),
    Webhooks(i64),
    /// The partner programme of a project: partners, coverage, NPS per partner.
    Partners(i64),
    /// One account over time (the account's id is the `id` query parameter).
    Timeline(i64),
    /// Business data, revenue-weighted NPS, churn and renewals of a project.
    Revenue(i64),
    /// Export or erase one respondent of a project (owners and admins).
    DataRequests(i64),
    /// The theme taxonomy the comments of a project are read with (owners and admins).
    Taxonomy(i64),
    /// A survey's campaigns, and a form for a new one.
    NewCampaign(i64),
    Campaign(i64),
    Users,
    /// The audit log (owners).
    Audit,
    /// An invitation link: works without a session.
    Accept,
    /// A password-reset link: works without a session.
    Reset,
    /// The signed-in user's own account (change password).
    Account,
    NotFound,
}

impl Route {
    pub fn parse(path: &str) -> Route {
        let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|p| !p.is_empty()).collect();
        let id = |s: &str| s.parse::<i64>().ok();
        match parts.as_slice() {
            ["admin"] | ["admin", "projects"] => Route::Projects,
            ["admin", "users"] => Route::Users,
            ["admin", "audit"] => Route::Audit,
            ["admin", "accept"] => Route::Accept,
            ["admin", "reset"] => Route::Reset,
            ["admin", "account"] => Route::Account,
            ["admin", "projects", p] => id(p).map_or(Route::NotFound, Route::Project),
            ["admin", "projects", p, "followups"] => id(p).map_or(Route::NotFound, Route::FollowUps),
            ["admin", "projects", p, "at-risk"] => id(p).map_or(Route::NotFound, Route::AtRisk),
            ["admin", "projects", p, "webhooks"] => id(p).map_or(Route::NotFound, Route::Webhooks),
            ["admin", "projects", p, "data-requests"] => id(p).map_or(Route::NotFound, Route::DataRequests),
            ["admin", "projects", p, "themes"] => id(p).map_or(Route::NotFound, Route::Taxonomy),
            ["admin", "projects", p, "partners"] => id(p).map_or(Route::NotFound, Route::Partners),
            ["admin", "projects", p, "revenue"] => id(p).map_or(Route::NotFound, Route::Revenue),
            ["admin", "projects", p, "account"] => id(p).map_or(Route::NotFound, Route::Timeline),
            ["admin", "projects", p, "surveys", "new"] => {
                id(p).map_or(Route::NotFound, Route::NewSurvey)
            }
            ["admin", "surveys", s, "campaigns"] => {
                id(s).map_or(Route::NotFound, Route::NewCampaign)
            }
            ["admin", "campaigns", c] => id(c).map_or(Route::NotFound, Route::Campaign),
            ["admin", "surveys", s] => id(s).map_or(Route::NotFound, Route::Survey),
            ["admin", "surveys", s, "report"] => id(s).map_or(Route::NotFound, Route::Report),
            ["admin", "surveys", s, "responses"] => id(s).map_or(Route::NotFound, Route::Responses),
            _ => Route::NotFound,
        }
    }

    pub fn path(self) -> String {
        match self {
            Route::Projects | Route::NotFound => "/admin/projects".to_owned(),
            Route::Project(p) => format!("/admin/projects/{p}"),
            Route::NewSurvey(p) => format!("/admin/projects/{p}/surveys/new"),
            Route::Survey(s) => format!("/admin/surveys/{s}"),
            Route::Report(s) => format!("/admin/surveys/{s}/report"),
            Route::Responses(s) => format!("/admin/surveys/{s}/responses"),
            Route::FollowUps(p) => format!("/admin/projects/{p}/followups"),
            Route::AtRisk(p) => format!("/admin/projects/{p}/at-risk"),
            Route::Webhooks(p) => format!("/admin/projects/{p}/webhooks"),
            Route::DataRequests(p) => format!("/admin/projects/{p}/data-requests"),
            Route::Taxonomy(p) => format!("/admin/projects/{p}/themes"),
            Route::Partners(p) => format!("/admin/projects/{p}/partners"),
            Route::Revenue(p) => format!("/admin/projects/{p}/revenue"),
            Route::Timeline(p) => format!("/admin/projects/{p}/account"),
            Route::NewCampaign(s) => format!("/admin/surveys/{s}/campaigns"),
            Route::Campaign(c) => format!("/admin/campaigns/{c}"),
            Route::Users => "/admin/users".to_owned(),
            Route::Audit => "/admin/audit".to_owned(),
            Route::Accept => "/admin/accept".to_owned(),
            Route::Reset => "/admin/reset".to_owned(),
            Route::Account => "/admin/account".to_owned(),
        }
    }
}

/// Who is signed in (`None` = show the sign-in screen).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser {
    pub email: String,
    pub role: nps_core::wire::AdminRole,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub route: RwSignal<Route>,
    pub user: RwSignal<Option<SessionUser>>,
    /// `false` until the first `GET /api/admin/session` answered.
    pub checked: RwSignal<bool>,
}

thread_local! {
    static STATE: std::cell::Cell<Option<AppState>> = const { std::cell::Cell::new(None) };
}

pub fn state() -> AppState {
    STATE.with(|s| s.get()).expect("the app is mounted")
}

fn location_path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default()
}

/// `https://host:port` of the admin, which is also the collector's (links handed to others
/// start with it).
pub fn location_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// Asks the browser's OK / Cancel question; `false` when it was cancelled or could not ask.
pub fn confirmed(question: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
}

/// Goes to `route`, adding a history entry.
pub fn navigate(route: Route) {
    navigate_with_query(route, "");
}

/// Goes to `route` with a query string (`?id=...`, for what a route's ids cannot carry).
pub fn navigate_with_query(route: Route, query: &str) {
    let path = format!("{}{query}", route.path());
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&path));
    }
    state().route.set(route);
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Replaces the current history entry (after creating something, so Back skips the form).
pub fn redirect(route: Route) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&route.path()));
    }
    state().route.set(route);
}

/// Changes the address bar without changing the screen (after a new item got its id).
pub fn replace_url(route: Route) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&route.path()));
    }
}

/// The session expired or was never there: back to the sign-in screen.
pub fn on_unauthorized() {
    if let Some(s) = STATE.with(|s| s.get()) {
        s.user.set(None);
    }
}

/// An in-app link: a real `<a href>` (open in a new tab works), handled by the router on a
/// plain click.
#[component]
pub fn Link(
    route: Route,
    children: Children,
    #[prop(optional, into)] class: String,
    /// `?key=value...` for what the route's ids cannot carry (e.g. an account id).
    #[prop(optional, into)]
    query: String,
) -> impl IntoView {
    let href = format!("{}{query}", route.path());
    let on_click = move |ev: web_sys::MouseEvent| {
        if ev.button() == 0 && !ev.ctrl_key() && !ev.meta_key() && !ev.shift_key() && !ev.alt_key() {
            ev.prevent_default();
            navigate_with_query(route, &query);
        }
    };
    view! { <a href=href class=class on:click=on_click>{children()}</a> }
}

/// A screen whose code is in a chunk (`pages::lazy`): "Loading..." until the chunk is in.
fn lazy_screen(screen: impl std::future::Future<Output = AnyView> + 'static) -> AnyView {
    // The chunk loader's future is not `Send`; the app is single-threaded (CSR), and
    // `Suspend` asks for `Send` only for server rendering.
    let screen = send_wrapper::SendWrapper::new(screen);
    view! {
        <Suspense fallback=|| crate::components::loading()>
            {Suspend::new(screen)}
        </Suspense>
    }
    .into_any()
}

#[component]
fn App() -> impl IntoView {
    let st = state();
    // Left on spawn_local, as is sign-in: Actions here (main module) cost ~6 KiB brotli of the 200 KB first-visit budget.
    leptos::task::spawn_local(async move {
        if let Ok(me) = api::whoami().await {
            st.user.set(Some(SessionUser { email: me.email, role: me.role }));
        }
        st.checked.set(true);
    });
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = api::sign_out().await;
            st.user.set(None);
        });
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/admin/projects">"NPS admin"</a>
            {move || st.user.get().map(|u| view! {
                <nav aria-label="Main">
                    <Link route=Route::Projects>"Projects"</Link>
                    {u.role.can_configure().then(|| view! { " " <Link route=Route::Users>"Users"</Link> })}
                    {(u.role == nps_core::wire::AdminRole::Owner).then(|| view! { " " <Link route=Route::Audit>"Audit log"</Link> })}
                    " " <Link route=Route::Account>"My account"</Link>
                </nav>
                <span class="who">{u.email.clone()} " (" {u.role.as_str()} ")"</span>
                <button type="button" class="secondary" on:click=sign_out>"Sign out"</button>
            })}
        </header>
        <main id="main">
            {move || {
                if !st.checked.get() {
                    return crate::components::loading().into_any();
                }
                let route = st.route.get();
                if matches!(route, Route::Accept | Route::Reset) {
                    return lazy_screen(pages::lazy::people_screen(route));
                }
                if st.user.get().is_none() {
                    return view! { <pages::sign_in::SignIn /> }.into_any();
                }
                match route {
                    Route::Projects => view! { <pages::projects::Projects /> }.into_any(),
                    Route::Project(id) => view! { <pages::projects::ProjectPage id=id /> }.into_any(),
                    Route::NewSurvey(_) | Route::Survey(_) => lazy_screen(pages::lazy::survey_screen(route)),
                    Route::Report(_) | Route::Responses(_) => lazy_screen(pages::lazy::report_screen(route)),
                    Route::FollowUps(_) | Route::AtRisk(_) | Route::Revenue(_) | Route::Timeline(_) | Route::Partners(_) | Route::Webhooks(_) | Route::DataRequests(_)
                    | Route::Taxonomy(_) => {
                        lazy_screen(pages::lazy::programme_screen(route))
                    }
                    Route::NewCampaign(_) | Route::Campaign(_) => lazy_screen(pages::lazy::campaign_screen(route)),
                    Route::Users | Route::Account | Route::Audit | Route::Accept | Route::Reset => {
                        lazy_screen(pages::lazy::people_screen(route))
                    }
                    Route::NotFound => view! {
                        <h1>"Not found"</h1>
                        <p><Link route=Route::Projects>"Back to the projects"</Link></p>
                    }.into_any(),
                }
            }}
        </main>
    }
}

/// Runs when the module is instantiated: mounts the app into `#app`.
#[wasm_bindgen(start)]
pub fn start() {
    // The default panic hook of wasm32 writes nowhere, so a panic reached the browser as a bare
    // "unreachable" trap; this puts its message and place in the console (where the browser
    // tests collect problems) first.
    std::panic::set_hook(Box::new(|info| leptos::logging::error!("{info}")));
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(host) = document.get_element_by_id("app").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) else {
        return;
    };
    host.set_inner_html("");
    let st = AppState {
        route: RwSignal::new(Route::parse(&location_path())),
        user: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    STATE.with(|s| s.set(Some(st)));
    let on_pop = Closure::<dyn Fn()>::new(move || st.route.set(Route::parse(&location_path())));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    }
    on_pop.forget();
    stacked_tables::label_cells_under(&host);
    leptos::mount::mount_to(host, App).forget();
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn routes_round_trip() {
        for r in [
            Route::Projects,
            Route::Project(3),
            Route::NewSurvey(3),
            Route::Survey(7),
            Route::Report(7),
            Route::Responses(7),
            Route::FollowUps(3),
            Route::AtRisk(3),
            Route::Webhooks(3),
            Route::DataRequests(3),
            Route::Taxonomy(3),
            Route::Partners(3),
            Route::Revenue(3),
            Route::NewCampaign(7),
            Route::Campaign(2),
            Route::Users,
            Route::Accept,
            Route::Reset,
            Route::Account,
            Route::Audit,
        ] {
            assert_eq!(Route::parse(&r.path()), r);
        }
        assert_eq!(Route::parse("/admin"), Route::Projects);
        assert_eq!(Route::parse("/admin/"), Route::Projects);
        assert_eq!(Route::parse("/admin/projects/x"), Route::NotFound);
    }
}
