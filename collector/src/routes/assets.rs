//! The built widget (loader, JS glue, WASM) and the admin app, served from `assets_dir`. Hashed
//! file names are immutable and cached for a year; the loader and the manifest keep a short
//! lifetime so a new release is picked up within minutes. The build writes a brotli and a
//! gzip copy next to each file (`<name>.br`, `<name>.gz`), served as they are to browsers that
//! accept them: every end user of every host app downloads these, so they are compressed once,
//! at build time, at the highest level, never per request.

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

/// A precompressed copy the build writes next to a file, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    const PREFERRED: [Self; 2] = [Self::Brotli, Self::Gzip];

    const fn token(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }

    const fn suffix(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gz",
        }
    }
}

/// Whether `Accept-Encoding` lists `coding` with a weight above zero (`q=0` means "not this").
fn accepts(req: &HttpRequest, coding: Encoding) -> bool {
    let Some(value) = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else { return false };
    value.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        parts.next().is_some_and(|name| name.eq_ignore_ascii_case(coding.token()))
            && parts.all(|p| p.strip_prefix("q=").is_none_or(|q| q.parse::<f32>().is_ok_and(|q| q > 0.0)))
    })
}

/// The file's bytes in the best encoding both the request accepts and the build wrote, or as
/// they are; `None` when the file does not exist.
async fn read_negotiated(req: &HttpRequest, path: &std::path::Path) -> Option<(Vec<u8>, Option<Encoding>)> {
    for encoding in Encoding::PREFERRED {
        if accepts(req, encoding) {
            let mut copy = path.as_os_str().to_owned();
            copy.push(".");
            copy.push(encoding.suffix());
            if let Ok(bytes) = tokio::fs::read(&copy).await {
                return Some((bytes, Some(encoding)));
            }
        }
    }
    tokio::fs::read(path).await.ok().map(|bytes| (bytes, None))
}

#[get("/widget/{file}")]
pub async fn widget_file(state: State, file: web::Path<String>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let name = file.into_inner();
    if !safe_name(&name) {
        return Err(ApiError::client(ErrorCode::NotFound, "no such widget file"));
    }
    let (bytes, encoding) = read_negotiated(&req, &state.settings.assets_dir.join(&name))
        .await
        .ok_or_else(|| ApiError::client(ErrorCode::NotFound, "no such widget file; build it with `cargo xtask build-widget`"))?;
    let cache = if is_hashed(&name) { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, content_type(&name)))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"));
    if let Some(encoding) = encoding {
        response.insert_header((header::CONTENT_ENCODING, encoding.token()));
    }
    Ok(response.body(bytes))
}

fn safe_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The admin single-page app: its files from `assets_dir/admin`, and `index.html` for every
/// other path under `/admin/` (client-side routes).
async fn admin_asset(state: &State, req: &HttpRequest, path: &str) -> ApiResult<HttpResponse> {
    let dir = state.settings.assets_dir.join("admin");
    let name = path.rsplit('/').next().unwrap_or("");
    let (file, name) = if safe_name(name) && name.contains('.') && tokio::fs::metadata(dir.join(name)).await.is_ok() {
        (dir.join(name), name.to_owned())
    } else {
        (dir.join("index.html"), "index.html".to_owned())
    };
    let (bytes, encoding) = read_negotiated(req, &file)
        .await
        .ok_or_else(|| ApiError::client(ErrorCode::NotFound, "the admin app is not built; run `cargo xtask build-widget`"))?;
    let cache = if is_hashed(&name) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, content_type(&name)))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"));
    if let Some(encoding) = encoding {
        response.insert_header((header::CONTENT_ENCODING, encoding.token()));
    }
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
pub async fn admin_root(state: State, req: HttpRequest) -> ApiResult<HttpResponse> {
    admin_asset(&state, &req, "index.html").await
}

#[get("/admin/{tail:.*}")]
pub async fn admin_file(state: State, tail: web::Path<String>, req: HttpRequest) -> ApiResult<HttpResponse> {
    admin_asset(&state, &req, &tail).await
}

#[cfg(test)]
mod tests {
    use super::{Encoding, accepts, is_hashed, read_negotiated};
    use actix_web::test::TestRequest;

    fn request(accept_encoding: Option<&str>) -> actix_web::HttpRequest {
        let mut req = TestRequest::default();
        if let Some(value) = accept_encoding {
            req = req.insert_header(("accept-encoding", value));
        }
        req.to_http_request()
    }

    #[test]
    fn an_encoding_only_when_accepted_with_a_positive_weight() {
        let with = |value: &str, coding| accepts(&request(Some(value)), coding);
        assert!(with("gzip, deflate, br, zstd", Encoding::Gzip));
        assert!(with("gzip, deflate, br, zstd", Encoding::Brotli));
        assert!(with("br;q=1.0, gzip;q=0.8", Encoding::Gzip));
        assert!(with("BR", Encoding::Brotli));
        assert!(!with("br, deflate", Encoding::Gzip));
        assert!(!with("gzip;q=0", Encoding::Gzip));
        assert!(!with("gzip;q=0.000, br", Encoding::Gzip));
        assert!(!with("br;q=0, gzip", Encoding::Brotli));
        assert!(!with("br;q=nonsense", Encoding::Brotli));
        assert!(!with("x-gzip-ish, brotli", Encoding::Gzip));
        assert!(!with("x-gzip-ish, brotli", Encoding::Brotli));
        assert!(!accepts(&request(None), Encoding::Gzip));
    }

    #[actix_web::test]
    async fn serves_the_best_copy_the_build_wrote_and_the_browser_accepts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("app-0123456789ab.wasm");
        std::fs::write(&file, b"raw").expect("write");
        std::fs::write(dir.path().join("app-0123456789ab.wasm.gz"), b"gz").expect("write");
        let read = |accept: Option<&'static str>| {
            let file = file.clone();
            async move { read_negotiated(&request(accept), &file).await.expect("the file exists") }
        };
        assert_eq!(read(Some("gzip, br")).await, (b"gz".to_vec(), Some(Encoding::Gzip)), "no .br written yet: gzip");
        std::fs::write(dir.path().join("app-0123456789ab.wasm.br"), b"br").expect("write");
        assert_eq!(read(Some("gzip, br")).await, (b"br".to_vec(), Some(Encoding::Brotli)));
        assert_eq!(read(Some("gzip")).await, (b"gz".to_vec(), Some(Encoding::Gzip)));
        assert_eq!(read(Some("br;q=0, gzip")).await, (b"gz".to_vec(), Some(Encoding::Gzip)));
        assert_eq!(read(Some("identity")).await, (b"raw".to_vec(), None));
        assert_eq!(read(None).await, (b"raw".to_vec(), None));
        assert!(read_negotiated(&request(Some("br")), &dir.path().join("missing.js")).await.is_none());
    }

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_hashed("nps-widget-3f2a9c1b.js"));
        assert!(is_hashed("nps-widget-3f2a9c1b0011.wasm"));
        assert!(!is_hashed("nps.js"));
        assert!(!is_hashed("manifest.json"));
    }
}
