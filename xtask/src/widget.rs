//! Building the embeddable widget (WASM + JS glue + loader) and running its real-browser tests.
//!
//! `build_widget` writes `widget/dist/`: `nps-widget-<hash>.{js,wasm}` (immutable, cached for a
//! year by the collector), `nps.js` (the loader, short cache, points at the hashed glue) and
//! `manifest.json`. std only, like the rest of xtask.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The size goal for gzipped wasm + glue: every end user of every host app pays it. Going over
/// is reported loudly but does not fail the build (see widget/README.md for where it stands).
const GZIP_BUDGET: u64 = 60 * 1024;

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

fn gzip_size(path: &Path) -> Result<u64, String> {
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = Command::new("gzip").args(["-9", "-c"]).stdin(file).output().map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip failed on {}", path.display()));
    }
    Ok(out.stdout.len() as u64)
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
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
            "-Oz",
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

    let wasm = read(&opt)?;
    let glue = String::from_utf8(read(&tmp.join("nps-widget.js"))?).map_err(|e| format!("glue is not UTF-8: {e}"))?;
    let hash = format!("{:016x}", fnv1a(&[&wasm, glue.as_bytes()]));
    let hash = &hash[..12];
    let wasm_name = format!("nps-widget-{hash}.wasm");
    let glue_name = format!("nps-widget-{hash}.js");
    if !glue.contains("nps-widget_bg.wasm") {
        return Err("the wasm-bindgen glue no longer names nps-widget_bg.wasm; update build_widget".to_owned());
    }
    let glue = glue.replace("nps-widget_bg.wasm", &wasm_name);
    let loader = fs::read_to_string(root.join("widget/loader/nps.js")).map_err(|e| format!("widget/loader/nps.js: {e}"))?;
    if !loader.contains("__NPS_GLUE__") {
        return Err("widget/loader/nps.js has no __NPS_GLUE__ placeholder".to_owned());
    }
    let loader = loader.replace("__NPS_GLUE__", &glue_name);

    let dist = root.join("widget/dist");
    let _ = fs::remove_dir_all(&dist);
    fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    write(&dist.join(&wasm_name), &wasm)?;
    write(&dist.join(&glue_name), &glue)?;
    write(&dist.join("nps.js"), &loader)?;

    let mut report = String::new();
    let mut total = 0;
    let mut files = String::new();
    for name in [&wasm_name, &glue_name, &"nps.js".to_owned()] {
        let path = dist.join(name);
        let raw = fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.len();
        let gz = gzip_size(&path)?;
        if name != "nps.js" {
            total += gz;
        }
        let _ = writeln!(report, "  {name:<32} {raw:>8} B raw {gz:>8} B gzip");
        let _ = write!(files, "{}\"{name}\": {{\"bytes\": {raw}, \"gzip\": {gz}}}", if files.is_empty() { "" } else { ", " });
    }
    let manifest = format!(
        "{{\n  \"loader\": \"nps.js\",\n  \"glue\": \"{glue_name}\",\n  \"wasm\": \"{wasm_name}\",\n  \"hash\": \"{hash}\",\n  \"gzip_wasm_and_glue\": {total},\n  \"files\": {{{files}}}\n}}\n"
    );
    write(&dist.join("manifest.json"), manifest)?;
    println!("widget built into {}:\n{report}  wasm + glue gzip: {total} B ({:.1} KiB, budget {} KiB)", dist.display(), total as f64 / 1024.0, GZIP_BUDGET / 1024);
    if total > GZIP_BUDGET {
        println!("warning: the widget is {total} B gzipped, over the {GZIP_BUDGET} B goal");
    }
    Ok(())
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
    fn reads_the_locked_wasm_bindgen_version() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
        let version = locked_wasm_bindgen(root).unwrap_or_default();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
