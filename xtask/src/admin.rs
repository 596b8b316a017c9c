//! Building the admin single-page app into `widget/dist/admin/` (the collector's
//! `assets_dir/admin`), std only.
//!
//! Same pipeline as the widget (`widget.rs`): `cargo build --profile widget` for wasm32, the
//! wasm-bindgen CLI (`--target web`), then binaryen's `wasm-opt -Oz` from the widget's npm
//! packages. Output: `index.html` (no inline script: the collector's CSP allows only
//! `'self'` scripts), `nps-admin-<hash>.{js,wasm}`, `admin-<hash>.css`, and the live-preview
//! page `preview.{html,js,css}`. Run it after `build_widget`, which empties `widget/dist`.

use crate::admin_split;
use crate::compress::precompress;
use crate::compress::{read, write};
use crate::widget::{STREAM_EXPORTS, drop_stream_classes, fnv1a, run, target_dir};
use std::fs;
use std::path::Path;
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";

fn read_text(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The glue wasm-bindgen writes for `--target web` exports `__wbg_init` as default; nothing
/// would call it without an inline script, so the module calls it itself once loaded (the
/// `#[wasm_bindgen(start)]` function then mounts the app).
fn self_starting(glue: &str, wasm_name: &str) -> Result<String, String> {
    if !glue.contains("nps-admin_bg.wasm") {
        return Err("the wasm-bindgen glue no longer names nps-admin_bg.wasm; update build_admin".to_owned());
    }
    if !glue.contains("async function __wbg_init") {
        return Err("the wasm-bindgen glue has no __wbg_init; update build_admin".to_owned());
    }
    Ok(format!("{}\n__wbg_init();\n", glue.replace("nps-admin_bg.wasm", wasm_name)))
}

/// `wasm-opt -Oz` over one module of the app (the main module or a chunk), with `extra` passes.
fn optimise(wasm_opt: &Path, input: &Path, extra: &[&str]) -> Result<Vec<u8>, String> {
    let output = input.with_extension("opt.wasm");
    run(Command::new(wasm_opt)
        .args(extra)
        .args(["-Oz", "--converge", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext"])
        .args(["--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"])
        .arg(input)
        .arg("-o")
        .arg(&output))?;
    read(&output)
}

/// Fills the page template with the hashed file names.
fn index_html(template: &str, js: &str, css: &str) -> Result<String, String> {
    if !template.contains("__ADMIN_JS__") || !template.contains("__ADMIN_CSS__") {
        return Err("admin/static/index.html lacks the __ADMIN_JS__ / __ADMIN_CSS__ placeholders".to_owned());
    }
    Ok(template.replace("__ADMIN_JS__", js).replace("__ADMIN_CSS__", css))
}

/// The modules of one build after `wasm-opt`: the main module (bindgen'd) and the chunks.
struct Modules {
    main: Vec<u8>,
    glue: String,
    link_js: String,
    chunks: Vec<(String, Vec<u8>)>,
}

/// Builds the admin app into `widget/dist/admin/`. Needs the widget's tools (the wasm32
/// target, the wasm-bindgen CLI matching Cargo.lock, `widget/node_modules/.bin/wasm-opt`).
pub fn build_admin(root: &Path) -> Result<(), String> {
    let wasm_opt = root.join("widget/node_modules/.bin/wasm-opt");
    if !wasm_opt.exists() {
        return Err(format!("{} is missing: install the widget's tools first (npm ci in widget/)", wasm_opt.display()));
    }
    let built = compile(root)?;
    let modules = split_and_optimise(root, &built, &wasm_opt)?;
    write_dist(root, modules)
}

/// `cargo build` of the admin crate for wasm32; the linked module.
fn compile(root: &Path) -> Result<std::path::PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // leptos' `erase_components` type-erases the views: far less monomorphised code (the
    // module is about 15% smaller after wasm-opt). It is a cfg, so it goes in RUSTFLAGS, and
    // the build gets a target dir of its own: other flags would otherwise evict the widget's
    // cached wasm32 build each time one of the two is built. `--emit-relocs` keeps the
    // linker's relocations, which the splitter reads to know what each `#[lazy]` function
    // reaches (and so no `strip`: it would drop them).
    let admin_target = target_dir(root).join("admin-wasm");
    run(Command::new(cargo)
        .current_dir(root)
        .env("RUSTFLAGS", "--cfg erase_components -Clink-args=--emit-relocs")
        .env("CARGO_PROFILE_WIDGET_STRIP", "false")
        .env("CARGO_TARGET_DIR", &admin_target)
        .args(["build", "--profile", "widget", "--target", TARGET, "-p", "nps-admin"]))?;
    Ok(admin_target.join(TARGET).join("widget/nps_admin.wasm"))
}

/// Splits the module at its `#[lazy]` functions, runs wasm-bindgen over the main module and
/// `wasm-opt` over every module.
fn split_and_optimise(root: &Path, built: &Path, wasm_opt: &Path) -> Result<Modules, String> {
    let split = admin_split::split(built, &target_dir(root).join("admin-split"))?;
    let tmp = target_dir(root).join("admin-bindgen");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    // The chunks call into the main module through the exports the linker made: keep them.
    run(Command::new("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--no-demangle", "--out-name", "nps-admin", "--out-dir"])
        .arg(&tmp)
        .arg(&split.main))?;
    // As for the widget: leptos links wasm-streams' JS stream classes, which nothing here
    // uses; their exports go first, then their glue (`drop_stream_classes`).
    let drop_streams = format!("--pass-arg=remove-exports@{STREAM_EXPORTS}");
    let main = optimise(wasm_opt, &tmp.join("nps-admin_bg.wasm"), &["--remove-exports", &drop_streams])?;
    let chunks = split
        .chunks
        .iter()
        .map(|(stem, path)| Ok((stem.clone(), optimise(wasm_opt, path, &[])?)))
        .collect::<Result<Vec<_>, String>>()?;
    let glue = drop_stream_classes(&read_text(&tmp.join("nps-admin.js"))?)?;
    Ok(Modules { main, glue, link_js: read_text(&split.link_js)?, chunks })
}

/// Names every file with the build's hash, writes them into `widget/dist/admin` with their
/// precompressed copies, and prints what a first visit downloads.
fn write_dist(root: &Path, modules: Modules) -> Result<(), String> {
    let statics = root.join("admin/static");
    let css = read(&statics.join("admin.css"))?;
    let mut parts: Vec<&[u8]> = vec![&modules.main, modules.glue.as_bytes(), modules.link_js.as_bytes(), &css];
    parts.extend(modules.chunks.iter().map(|(_, wasm)| wasm.as_slice()));
    let hash = format!("{:016x}", fnv1a(&parts));
    let hash = &hash[..12];
    let (wasm_name, js_name, css_name) = (format!("nps-admin-{hash}.wasm"), format!("nps-admin-{hash}.js"), format!("admin-{hash}.css"));
    let link_name = admin_split::link_name(hash);
    let glue = admin_split::glue_with_link_name(&self_starting(&modules.glue, &wasm_name)?, hash)?;
    let stems: Vec<&str> = modules.chunks.iter().map(|(stem, _)| stem.as_str()).collect();
    let link_js = admin_split::link_js_with_names(&modules.link_js, &js_name, &stems, hash)?;
    let index = index_html(&read_text(&statics.join("index.html"))?, &js_name, &css_name)?;

    let dist = root.join("widget/dist/admin");
    let _ = fs::remove_dir_all(&dist);
    fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    write(&dist.join(&wasm_name), &modules.main)?;
    write(&dist.join(&js_name), &glue)?;
    write(&dist.join(&link_name), &link_js)?;
    write(&dist.join(&css_name), &css)?;
    write(&dist.join("index.html"), index)?;
    for name in ["preview.html", "preview.js", "preview.css"] {
        write(&dist.join(name), read(&statics.join(name))?)?;
        precompress(&dist.join(name))?;
    }
    // What a first visit downloads, precompressed for the collector to serve as is; the
    // chunks are compressed too, and counted apart.
    let (mut gzip, mut brotli) = (0, 0);
    for name in ["index.html", &js_name, &link_name, &wasm_name, &css_name] {
        let sizes = precompress(&dist.join(name))?;
        gzip += sizes.gzip;
        brotli += sizes.brotli;
    }
    let mut chunks_brotli = 0;
    for (stem, wasm) in &modules.chunks {
        let name = admin_split::chunk_name(stem, hash);
        write(&dist.join(&name), wasm)?;
        chunks_brotli += precompress(&dist.join(&name))?.brotli;
    }
    println!(
        "admin built into {}: {wasm_name} ({} KiB raw); first visit {} KiB gzip, {} KiB brotli; {} lazy chunks, {} KiB brotli",
        dist.display(),
        modules.main.len() / 1024,
        gzip / 1024,
        brotli / 1024,
        modules.chunks.len(),
        chunks_brotli / 1024
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glue_starts_itself_and_loads_the_hashed_wasm() {
        let glue = "async function __wbg_init(x) { new URL('nps-admin_bg.wasm', import.meta.url) }\nexport default __wbg_init;";
        let out = self_starting(glue, "nps-admin-0123456789ab.wasm").unwrap_or_default();
        assert!(out.contains("'nps-admin-0123456789ab.wasm'"));
        assert!(out.trim_end().ends_with("__wbg_init();"));
        assert!(self_starting("nothing", "x.wasm").is_err());
    }

    #[test]
    fn the_page_names_the_hashed_files() {
        let page = index_html("<script src=\"/admin/__ADMIN_JS__\"></script><link href=\"/admin/__ADMIN_CSS__\">", "a.js", "b.css");
        assert_eq!(page.as_deref(), Ok("<script src=\"/admin/a.js\"></script><link href=\"/admin/b.css\">"));
        assert!(index_html("<p>", "a", "b").is_err());
    }
}
