//! The 405 answer (with `Allow`) to a method a documented path does not support, derived from
//! the document itself.

use std::sync::OnceLock;
use utoipa::openapi::path::PathItem;

/// The methods of every documented path, as (segments, methods); `{param}` matches any one
/// segment, as in the router.
fn routes() -> &'static [(Vec<String>, Vec<&'static str>)] {
    static ROUTES: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        use utoipa::OpenApi as _;
        super::ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| (path.split('/').map(str::to_owned).collect(), methods(item)))
            .collect()
    })
}

fn methods(item: &PathItem) -> Vec<&'static str> {
    let all = [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("PATCH", item.patch.is_some()),
    ];
    all.into_iter().filter(|(_, present)| *present).map(|(method, _)| method).collect()
}

/// The methods a documented path supports, if `path` is one (the default service answers 405
/// with them instead of 404).
pub fn allowed_methods(path: &str) -> Option<Vec<&'static str>> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed: Vec<&'static str> = Vec::new();
    for (template, methods) in routes() {
        let matches = template.len() == segments.len()
            && template.iter().zip(&segments).all(|(t, s)| if t.starts_with('{') { !s.is_empty() } else { t == s });
        if matches {
            allowed.extend(methods.iter().filter(|m| !allowed.contains(m)).collect::<Vec<_>>());
        }
    }
    (!allowed.is_empty()).then_some(allowed)
}

