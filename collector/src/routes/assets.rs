//! The built widget (loader, JS glue, WASM) served from `assets_dir`. Hashed file names are
//! immutable and cached for a year; the loader and the manifest keep a short lifetime so a
//! new release is picked up within minutes. The widget build writes a gzipped copy next to each
//! file (`<name>.gz`), served as is to browsers that accept gzip: every end user of every host
//! app downloads these, so they are compressed once, at build time, at the highest level.

use crate::error::{ApiError, ApiResult};
use crate::state::State;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use nps_core::ErrorCode;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(widget_file).service(admin_root).service(admin_file);
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Names like `nps-widget-3f2a9c1b.js` carry a content hash; `nps.js` does not.
fn is_hashed(name: &str) -> bool {
    name.rsplit_once('-')
        .map(|(_, tail)| tail.split('.').next().unwrap_or(""))
        .is_some_and(|hash| hash.len() >= 8 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether the request's `Accept-Encoding` lists gzip (without `q=0`).
fn accepts_gzip(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else { return false };
    value.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        parts.next() == Some("gzip") && parts.all(|p| p != "q=0" && p != "q=0.0")
    })
}

#[get("/widget/{file}")]
pub async fn widget_file(state: State, file: web::Path<String>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let name = file.into_inner();
    if !safe_name(&name) {
        return Err(ApiError::client(ErrorCode::NotFound, "no such widget file"));
    }
    let path = state.settings.assets_dir.join(&name);
    let gzipped =
        if accepts_gzip(&req) { tokio::fs::read(state.settings.assets_dir.join(format!("{name}.gz"))).await.ok() } else { None };
    let (bytes, gzipped) = match gzipped {
        Some(bytes) => (bytes, true),
        None => match tokio::fs::read(&path).await {
            Ok(bytes) => (bytes, false),
            Err(_) => return Err(ApiError::client(ErrorCode::NotFound, "no such widget file; build it with `cargo xtask build-widget`")),
        },
    };
    let cache = if is_hashed(&name) { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, content_type(&name)))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"));
    if gzipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    Ok(response.body(bytes))
}

fn safe_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The admin single-page app: its files from `assets_dir/admin`, and `index.html` for every
/// other path under `/admin/` (client-side routes).
async fn admin_asset(state: &State, path: &str) -> ApiResult<HttpResponse> {
    let dir = state.settings.assets_dir.join("admin");
    let name = path.rsplit('/').next().unwrap_or("");
    let (file, name) = if safe_name(name) && name.contains('.') && tokio::fs::metadata(dir.join(name)).await.is_ok() {
        (dir.join(name), name.to_owned())
    } else {
        (dir.join("index.html"), "index.html".to_owned())
    };
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|_| ApiError::client(ErrorCode::NotFound, "the admin app is not built; run `cargo xtask build-widget`"))?;
    let cache = if is_hashed(&name) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, content_type(&name))).insert_header((header::CACHE_CONTROL, cache));
    if name == "index.html" {
        // The admin app runs only its own scripts; WASM needs 'wasm-unsafe-eval'.
        response.insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; frame-ancestors 'none'",
        ));
    }
    Ok(response.body(bytes))
}

#[get("/admin")]
pub async fn admin_root(state: State) -> ApiResult<HttpResponse> {
    admin_asset(&state, "index.html").await
}

#[get("/admin/{tail:.*}")]
pub async fn admin_file(state: State, tail: web::Path<String>) -> ApiResult<HttpResponse> {
    admin_asset(&state, &tail).await
}

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, is_hashed};
    use actix_web::test::TestRequest;

    #[test]
    fn gzip_only_when_accepted() {
        let with = |value: &str| accepts_gzip(&TestRequest::default().insert_header(("accept-encoding", value)).to_http_request());
        assert!(with("gzip, deflate, br, zstd"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(!with("br, deflate"));
        assert!(!with("gzip;q=0"));
        assert!(!with("x-gzip-ish"));
        assert!(!accepts_gzip(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_hashed("nps-widget-3f2a9c1b.js"));
        assert!(is_hashed("nps-widget-3f2a9c1b0011.wasm"));
        assert!(!is_hashed("nps.js"));
        assert!(!is_hashed("manifest.json"));
    }
}
