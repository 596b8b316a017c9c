//! Code splitting of the admin module at its `#[lazy]` functions (`admin/src/pages/lazy.rs`),
//! what cargo-leptos does with `--split`, driven here with its library
//! (`wasm_split_cli_support`). The linker's relocations (`--emit-relocs`) tell the splitter
//! which code each split point reaches; it writes the main module (for wasm-bindgen), one
//! module per split point and per group of shared code (chunks), and a JS link module that
//! fetches a chunk the first time one of its functions is called.
//!
//! File names: every file of one build carries the same content hash, computed over all of
//! them, so the collector can cache them as immutable. The link module is referenced from two
//! places that are rewritten once the hash is known: the wasm-bindgen glue imports it (by the
//! placeholder name below), and it imports the glue (for the main module's exports) and names
//! each chunk.

use std::fs;
use std::path::{Path, PathBuf};

/// The link module's name as the main module imports it, until the hash replaces the
/// underscores. It must stay the wasm import module's name: wasm-bindgen keys the imports
/// object by it, so only the glue's `import ... from` is rewritten.
pub const LINK_PLACEHOLDER: &str = "./nps-admin-split-________________.js";
/// The glue's name as the link module imports it, until it gets its hashed name.
const GLUE_PLACEHOLDER: &str = "./nps-admin.js";

/// What the splitter wrote into its output directory.
pub struct SplitOutput {
    /// The main module, for wasm-bindgen.
    pub main: PathBuf,
    /// The lazily loaded modules, by file stem (`split_<name>`, `chunk_<n>`), sorted.
    pub chunks: Vec<(String, PathBuf)>,
    pub link_js: PathBuf,
}

/// Splits the linked module `input` into `out_dir`.
pub fn split(input: &Path, out_dir: &Path) -> Result<SplitOutput, String> {
    let _ = fs::remove_dir_all(out_dir);
    fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let wasm = fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let main = out_dir.join("nps-admin.wasm");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = out_dir;
        opts.main_out_path = &main;
        opts.main_module = GLUE_PLACEHOLDER;
        opts.link_name = LINK_PLACEHOLDER;
        opts
    })
    .map_err(|e| format!("splitting {}: {e:#}", input.display()))?;
    let mut chunks: Vec<(String, PathBuf)> = split
        .split_modules
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            (stem, path)
        })
        .collect();
    chunks.sort();
    Ok(SplitOutput {
        main,
        chunks,
        link_js: out_dir.join(LINK_PLACEHOLDER),
    })
}

/// The hashed name of the link module.
pub fn link_name(hash: &str) -> String {
    format!("nps-admin-split-{hash}.js")
}

/// The hashed name of a chunk.
pub fn chunk_name(stem: &str, hash: &str) -> String {
    format!("{stem}-{hash}.wasm")
}

/// The link module with the hashed names of the glue and of every chunk.
pub fn link_js_with_names(
    link_js: &str,
    glue_name: &str,
    stems: &[&str],
    hash: &str,
) -> Result<String, String> {
    let glue_import = format!("\"{GLUE_PLACEHOLDER}\"");
    if !link_js.contains(&glue_import) {
        return Err(format!(
            "the split link module no longer imports {GLUE_PLACEHOLDER}; update xtask/src/admin_split.rs"
        ));
    }
    let mut js = link_js.replace(&glue_import, &format!("\"./{glue_name}\""));
    for stem in stems {
        let reference = format!("\"./{stem}.wasm\"");
        if !js.contains(&reference) {
            return Err(format!(
                "the split link module does not load {stem}.wasm; update xtask/src/admin_split.rs"
            ));
        }
        js = js.replace(&reference, &format!("\"./{}\"", chunk_name(stem, hash)));
    }
    Ok(js)
}

/// The glue importing the link module by its hashed name (the imports object keeps the
/// placeholder key, the wasm import module's name).
pub fn glue_with_link_name(glue: &str, hash: &str) -> Result<String, String> {
    let mut out = glue.to_owned();
    let mut found = false;
    for quote in ['\'', '"'] {
        let from = format!("from {quote}{LINK_PLACEHOLDER}{quote}");
        if out.contains(&from) {
            found = true;
            out = out.replace(&from, &format!("from {quote}./{}{quote}", link_name(hash)));
        }
    }
    if found {
        Ok(out)
    } else {
        Err("the wasm-bindgen glue does not import the split link module; update xtask/src/admin_split.rs".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_module_gets_the_hashed_names_of_the_glue_and_the_chunks() {
        let js = "import { initSync } from \"./nps-admin.js\";\nconst a = fetch(new URL(\"./split_x_1.wasm\", import.meta.url));\nconst b = fetch(new URL(\"./chunk_3.wasm\", import.meta.url));";
        let out = link_js_with_names(
            js,
            "nps-admin-abc.js",
            &["split_x_1", "chunk_3"],
            "0123456789ab",
        )
        .expect("names");
        assert!(out.contains("from \"./nps-admin-abc.js\""));
        assert!(
            out.contains("\"./split_x_1-0123456789ab.wasm\"")
                && out.contains("\"./chunk_3-0123456789ab.wasm\"")
        );
        assert!(
            link_js_with_names(js, "g.js", &["split_gone"], "00").is_err(),
            "a chunk the module does not load is a build error"
        );
    }

    #[test]
    fn the_glue_imports_the_hashed_link_module_but_keeps_the_imports_key() {
        let glue =
            format!("import * as s from '{LINK_PLACEHOLDER}';\nimports['{LINK_PLACEHOLDER}'] = s;");
        let out = glue_with_link_name(&glue, "0123456789ab").expect("rewritten");
        assert!(out.starts_with("import * as s from './nps-admin-split-0123456789ab.js';"));
        assert!(out.contains(&format!("imports['{LINK_PLACEHOLDER}']")));
        assert!(glue_with_link_name("no import", "00").is_err());
    }
}
