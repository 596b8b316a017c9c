//! Building the embeddable widget (loader, decider, WASM renderer) and running its real-browser
//! tests.
//!
//! `build_widget` writes `widget/dist/`: `nps.js` (the loader, short cache), `nps-decider-<hash>.js`
//! (run on every page: triggers, decide, outbox), `nps-widget-<hash>.{js,wasm}` (the leptos
//! renderer, fetched only when a survey is due; hashed files are cached for a year by the
//! collector) and `manifest.json` with the gzip sizes and the size budgets of issue #4. std
//! only, like the rest of xtask.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use crate::compress::{Compressed, precompress, read, write};
use crate::wasm_imports::shorten_imports;

const TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
/// Size budgets, gzipped: the loader every page fetches; what a page where no survey is due
/// downloads of the widget's files (loader + decider; the browser test adds the API responses);
/// the renderer (WASM + glue) fetched when a survey shows. Going over is reported loudly here
/// and fails `tests/browser/widget.test.mjs` (see widget/README.md "Size").
const LOADER_BUDGET: u64 = 2 * 1024;
const NO_SURVEY_BUDGET: u64 = 20 * 1024;
const RENDERER_BUDGET: u64 = 60 * 1024;

pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let program = command.get_program().to_string_lossy().into_owned();
    println!("$ {program} {}", args.join(" "));
    let status = command.status().map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{program} {} failed with {status}", args.join(" "))) }
}

/// The stdout of a command, or `None` if it cannot run or fails.
fn output(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir))
}

/// The version of the `wasm-bindgen` crate in Cargo.lock: the CLI must match it exactly, or
/// the glue it writes does not fit the module.
fn locked_wasm_bindgen(root: &Path) -> Result<String, String> {
    let lock = fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            let version = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")).and_then(|v| v.strip_suffix('"'));
            return version.map(str::to_owned).ok_or_else(|| "Cargo.lock: wasm-bindgen has no version line".to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen; is the widget a workspace member?".to_owned())
}

fn wasm_opt(root: &Path) -> PathBuf {
    root.join("widget/node_modules/.bin/wasm-opt")
}

/// The wasm target, the matching wasm-bindgen CLI and wasm-opt (binaryen from npm, because
/// Debian's is too old for current rustc output). Each step is skipped when already done.
pub fn ensure_widget_tools(root: &Path) -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == TARGET) {
        run(Command::new("rustup").args(["target", "add", TARGET]))?;
    }
    let want = locked_wasm_bindgen(root)?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(want.as_str()) {
        println!("wasm-bindgen CLI {want} needed (have: {}); installing, this takes a few minutes", have.trim());
        run(cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))?;
    }
    if output(wasm_opt(root), &["--version"]).is_none() {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root.join("widget")))?;
    }
    Ok(())
}

/// FNV-1a, 64 bits: enough to give each build's files distinct names for cache busting.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Drops the comments that stand on lines of their own (`//` lines, and `/* ... */` blocks that
/// start a line and end a line) and leading indentation: they are documentation for readers of
/// the source, not bytes for every end user. Code lines are kept as they are, so strings and
/// regular expressions cannot be damaged.
fn strip_js_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut in_block = false;
    for line in source.lines() {
        let code = line.trim();
        if in_block || code.starts_with("/*") {
            in_block = !code.ends_with("*/");
            continue;
        }
        if !code.is_empty() && !code.starts_with("//") {
            out.push_str(code);
            out.push('\n');
        }
    }
    out
}

/// The wasm exports of wasm-streams' `IntoUnderlying{Source,ByteSource,Sink}` (a wildcard).
pub(crate) const STREAM_EXPORTS: &str = "*intounderlying*";

/// Removes from the wasm-bindgen glue the JS classes wrapping wasm-streams' exports (removed
/// from the module by `--remove-exports`): nothing constructs them (the glue has no `__wrap`
/// for them). Fails if the glue's shape changed, rather than shipping a half-edited file.
pub(crate) fn drop_stream_classes(glue: &str) -> Result<String, String> {
    let mut out = String::with_capacity(glue.len());
    let mut lines = glue.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("export class IntoUnderlying") {
            for inner in lines.by_ref() {
                if inner == "}" {
                    break;
                }
            }
        } else if line.starts_with("const IntoUnderlying") && line.contains("Finalization") {
            while lines.peek().is_some_and(|l| l.trim_start().starts_with(['?', ':'])) {
                lines.next();
            }
        } else if !(line.starts_with("if (Symbol.dispose) IntoUnderlying") || line.starts_with("const __wbindgen_enum_ReadableStreamType")) {
            out.push_str(line);
            out.push('\n');
        }
    }
    if out.contains("IntoUnderlying") || out.contains("intounderlying") {
        return Err("the wasm-bindgen glue still names IntoUnderlying*: update drop_stream_classes".to_owned());
    }
    Ok(out)
}

/// Builds the widget into `widget/dist/` and prints its sizes.
pub fn build_widget(root: &Path) -> Result<(), String> {
    run(cargo().current_dir(root).args(["build", "--profile", "widget", "--target", TARGET, "-p", "nps-widget"]))?;
    let built = target_dir(root).join(TARGET).join("widget/nps_widget.wasm");
    let tmp = target_dir(root).join("widget-bindgen");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    run(Command::new("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--out-name", "nps-widget", "--out-dir"])
        .arg(&tmp)
        .arg(&built))?;
    let bg = tmp.join("nps-widget_bg.wasm");
    let opt = tmp.join("nps-widget.opt.wasm");
    // The features current rustc emits by default for wasm32 (checked with wasm-opt's
    // feature detection); anything wasm-opt does not know would make it fail validation.
    run(Command::new(wasm_opt(root))
        .args([
            // leptos always links server_fn, whose `wasm-streams` dependency exports JS stream
            // classes nothing here uses; exports are never dead code to the optimiser, so they
            // are removed by name first (their glue goes in `drop_stream_classes`).
            "--remove-exports",
            &format!("--pass-arg=remove-exports@{STREAM_EXPORTS}"),
            "-Oz",
            "--converge",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(&bg)
        .arg("-o")
        .arg(&opt))?;

    let glue = String::from_utf8(read(&tmp.join("nps-widget.js"))?).map_err(|e| format!("glue is not UTF-8: {e}"))?;
    let (wasm, glue) = shorten_imports(&read(&opt)?, &glue)?;
    let glue = strip_js_comments(&drop_stream_classes(&glue)?);
    let hash = format!("{:016x}", fnv1a(&[&wasm, glue.as_bytes()]));
    let hash = &hash[..12];
    let wasm_name = format!("nps-widget-{hash}.wasm");
    let glue_name = format!("nps-widget-{hash}.js");
    if !glue.contains("nps-widget_bg.wasm") {
        return Err("the wasm-bindgen glue no longer names nps-widget_bg.wasm; update build_widget".to_owned());
    }
    let glue = glue.replace("nps-widget_bg.wasm", &wasm_name);
    let decider = fill(root, "widget/loader/decider.js", "__NPS_RENDERER__", &glue_name)?;
    let decider = strip_js_comments(&decider);
    let decider_name = format!("nps-decider-{}.js", &format!("{:016x}", fnv1a(&[decider.as_bytes()]))[..12]);
    let loader = fill(root, "widget/loader/nps.js", "__NPS_DECIDER__", &decider_name)?;

    let dist = root.join("widget/dist");
    let _ = fs::remove_dir_all(&dist);
    fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    write(&dist.join(&wasm_name), &wasm)?;
    write(&dist.join(&glue_name), &glue)?;
    write(&dist.join(&decider_name), &decider)?;
    write(&dist.join("nps.js"), &loader)?;
    write_manifest(&dist, hash, &decider_name, &glue_name, &wasm_name)
}

/// Precompresses the widget's files and writes `manifest.json` with their sizes and the budgets,
/// reporting each against its budget.
fn write_manifest(dist: &Path, hash: &str, decider_name: &str, glue_name: &str, wasm_name: &str) -> Result<(), String> {
    let mut report = String::new();
    let mut files = String::new();
    let mut gz = std::collections::BTreeMap::new();
    for name in ["nps.js", decider_name, glue_name, wasm_name] {
        let path = dist.join(name);
        let raw = fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.len();
        let Compressed { gzip: size, brotli } = precompress(&path)?;
        gz.insert(name, size);
        let _ = writeln!(report, "  {name:<32} {raw:>8} B raw {size:>8} B gzip {brotli:>8} B brotli");
        let _ = write!(
            files,
            "{}\"{name}\": {{\"bytes\": {raw}, \"gzip\": {size}, \"brotli\": {brotli}}}",
            if files.is_empty() { "" } else { ", " }
        );
    }
    let loader_gz = gz["nps.js"];
    let no_survey = loader_gz + gz[decider_name];
    let renderer = gz[glue_name] + gz[wasm_name];
    let manifest = format!(
        "{{\n  \"loader\": \"nps.js\",\n  \"decider\": \"{decider_name}\",\n  \"glue\": \"{glue_name}\",\n  \"wasm\": \"{wasm_name}\",\n  \"hash\": \"{hash}\",\n  \"gzip\": {{\"loader\": {loader_gz}, \"no_survey_files\": {no_survey}, \"renderer\": {renderer}}},\n  \"budget\": {{\"loader\": {LOADER_BUDGET}, \"no_survey\": {NO_SURVEY_BUDGET}, \"renderer\": {RENDERER_BUDGET}}},\n  \"files\": {{{files}}}\n}}\n"
    );
    write(&dist.join("manifest.json"), manifest)?;
    println!("widget built into {}:\n{report}", dist.display());
    for (what, size, budget) in [
        ("loader", loader_gz, LOADER_BUDGET),
        ("no survey due (loader + decider; API responses measured by the browser test)", no_survey, NO_SURVEY_BUDGET),
        ("renderer (wasm + glue)", renderer, RENDERER_BUDGET),
    ] {
        let verdict = if size <= budget { "within budget" } else { "OVER BUDGET" };
        println!("  size {what}: {size} B gzip ({:.1} KiB), budget {} KiB: {verdict}", size as f64 / 1024.0, budget / 1024);
    }
    Ok(())
}

/// The text of `file` with its `placeholder` replaced by `value` (a hashed file name).
fn fill(root: &Path, file: &str, placeholder: &str, value: &str) -> Result<String, String> {
    let text = fs::read_to_string(root.join(file)).map_err(|e| format!("{file}: {e}"))?;
    if !text.contains(placeholder) {
        return Err(format!("{file} has no {placeholder} placeholder"));
    }
    Ok(text.replace(placeholder, value))
}

/// Headless Chromium (Debian's) and the test runner's npm packages.
pub fn ensure_browser(root: &Path) -> Result<(), String> {
    if !Path::new(CHROMIUM).exists() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium"]))?;
    }
    let tests = root.join("tests/browser");
    if !tests.join("node_modules/playwright-core").exists() {
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&tests))?;
    }
    Ok(())
}

/// Runs `tests/browser/*.test.mjs` against the debug collector binary and the built widget
/// (call `build_widget` and build `nps-collector` first).
pub fn run_browser_tests(root: &Path) -> Result<(), String> {
    let collector = target_dir(root).join("debug/nps-collector");
    if !collector.exists() {
        return Err(format!("{} is missing: build nps-collector first", collector.display()));
    }
    let dist = root.join("widget/dist");
    if !dist.join("manifest.json").exists() {
        return Err("widget/dist is empty: run build_widget first".to_owned());
    }
    let dir = root.join("tests/browser");
    let mut tests: Vec<String> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".test.mjs"))
        .collect();
    tests.sort();
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&tests)
        .current_dir(&dir)
        .env("NPS_COLLECTOR_BIN", &collector)
        .env("NPS_WIDGET_DIST", &dist)
        .env("NPS_ARTIFACTS_DIR", root.join("tests/artifacts"))
        .env("CHROMIUM", CHROMIUM))
}

/// Runs the script `tests/browser/<script>` (a bench) against `collector` and the built web apps.
pub fn run_browser_script(root: &Path, script: &str, collector: &Path) -> Result<(), String> {
    run(Command::new("node")
        .arg(script)
        .current_dir(root.join("tests/browser"))
        .env("NPS_COLLECTOR_BIN", collector)
        .env("NPS_WIDGET_DIST", root.join("widget/dist"))
        .env("CHROMIUM", CHROMIUM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&[b"foo", b"bar"]), fnv1a(&[b"foobar"]));
    }

    #[test]
    fn strips_only_whole_line_comments() {
        let source = "/* a\n   b */\nvar u = 'http://x'; // kept: not a whole line\n  // gone\n\n  f(/\\/*/);\n/* one line */\nend();\n";
        assert_eq!(strip_js_comments(source), "var u = 'http://x'; // kept: not a whole line\nf(/\\/*/);\nend();\n");
    }

    #[test]
    fn drops_the_stream_classes_and_nothing_else() {
        let glue = "export class IntoUnderlyingSink {\n    free() {\n        wasm.__wbg_intounderlyingsink_free(0, 0);\n    }\n}\nif (Symbol.dispose) IntoUnderlyingSink.prototype[Symbol.dispose] = IntoUnderlyingSink.prototype.free;\nexport function show(a) {\n    wasm.show(a);\n}\nconst __wbindgen_enum_ReadableStreamType = [\"bytes\"];\nconst IntoUnderlyingSinkFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsink_free(ptr, 1));\nconst x = 1;\n";
        assert_eq!(drop_stream_classes(glue).as_deref(), Ok("export function show(a) {\n    wasm.show(a);\n}\nconst x = 1;\n"));
        assert!(drop_stream_classes("new IntoUnderlyingSource();\n").is_err());
    }

    /// A module with a type section and two imports: one from the glue, one from elsewhere.
    #[test]
    fn reads_the_locked_wasm_bindgen_version() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
        let version = locked_wasm_bindgen(root).unwrap_or_default();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
