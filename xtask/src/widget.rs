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
const STREAM_EXPORTS: &str = "*intounderlying*";

/// Removes from the wasm-bindgen glue the JS classes wrapping wasm-streams' exports (removed
/// from the module by `--remove-exports`): nothing constructs them (the glue has no `__wrap`
/// for them). Fails if the glue's shape changed, rather than shipping a half-edited file.
fn drop_stream_classes(glue: &str) -> Result<String, String> {
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

/// The module name under which wasm-bindgen's `--target web` glue provides the imports.
const GLUE_MODULE: &str = "./nps-widget_bg.js";

fn read_leb(bytes: &[u8], at: &mut usize) -> Result<u32, String> {
    let (mut value, mut shift) = (0u32, 0);
    loop {
        let byte = *bytes.get(*at).ok_or("truncated wasm")?;
        *at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift).ok_or("bad LEB128 in wasm")?;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        out.push(if value == 0 { byte } else { byte | 0x80 });
        if value == 0 {
            return;
        }
    }
}

fn read_name<'a>(bytes: &'a [u8], at: &mut usize) -> Result<&'a str, String> {
    let len = read_leb(bytes, at)? as usize;
    let name = bytes.get(*at..*at + len).ok_or("truncated wasm")?;
    *at += len;
    std::str::from_utf8(name).map_err(|_| "an import name is not UTF-8".to_owned())
}

/// `_` and a base-52 number: a short property name for the `index`-th import.
fn short_name(mut index: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = vec![b'_'];
    loop {
        name.push(LETTERS[index % LETTERS.len()]);
        index /= LETTERS.len();
        if index == 0 {
            return String::from_utf8(name).unwrap_or_default();
        }
    }
}

/// Gives the module's imports short names, in the wasm and in the glue alike. wasm-bindgen
/// names each import like `__wbg_setAttribute_cfa3cb31f271776a`; a hundred of those, written
/// once in the module and once in the glue, are several KB that gzip cannot shrink (the hashes
/// are random). Only the import section is rewritten; every other byte is copied. Fails,
/// rather than guessing, on anything it does not recognise.
fn shorten_imports(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String), String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err("not a wasm module (version 1)".to_owned());
    }
    let mut out = wasm[..8].to_vec();
    let mut glue = glue.to_owned();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = read_leb(wasm, &mut at)? as usize;
        let body = wasm.get(at..at + size).ok_or("truncated wasm section")?;
        at += size;
        out.push(id);
        if id != 2 {
            write_leb(&mut out, size as u32);
            out.extend_from_slice(body);
            continue;
        }
        let mut section = Vec::with_capacity(size);
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        write_leb(&mut section, count);
        for index in 0..count as usize {
            let module = read_name(body, &mut p)?;
            let field = read_name(body, &mut p)?;
            let (module, field) = if module == GLUE_MODULE {
                let short = short_name(index);
                // The glue names each import once, as a key of its imports object.
                let key = format!("\n        {field}: ");
                if glue.matches(&key).count() != 1 {
                    return Err(format!("the glue does not name the import {field} exactly once"));
                }
                glue = glue.replace(&key, &format!("\n        {short}: "));
                ("m".to_owned(), short)
            } else {
                (module.to_owned(), field.to_owned())
            };
            let start = p;
            let kind = *body.get(p).ok_or("truncated import")?;
            p += 1;
            match kind {
                0x00 | 0x04 => {
                    if kind == 0x04 {
                        p += 1; // tag attribute
                    }
                    read_leb(body, &mut p)?;
                }
                0x01 | 0x02 => {
                    if kind == 0x01 {
                        p += 1; // reference type
                    }
                    let flags = *body.get(p).ok_or("truncated import")?;
                    p += 1;
                    if flags > 3 {
                        return Err(format!("unknown limits flags {flags:#x} in an import"));
                    }
                    read_leb(body, &mut p)?;
                    if flags & 1 == 1 {
                        read_leb(body, &mut p)?;
                    }
                }
                0x03 => p += 2, // value type (single byte without GC types) and mutability
                other => return Err(format!("unknown import kind {other:#x}")),
            }
            for name in [&module, &field] {
                write_leb(&mut section, name.len() as u32);
                section.extend_from_slice(name.as_bytes());
            }
            section.extend_from_slice(body.get(start..p).ok_or("truncated import")?);
        }
        if p != body.len() {
            return Err("the import section has trailing bytes".to_owned());
        }
        write_leb(&mut out, section.len() as u32);
        out.extend_from_slice(&section);
    }
    let module_key = format!("\"{GLUE_MODULE}\": import0");
    if glue.matches(&module_key).count() != 1 {
        return Err("the glue does not provide its imports as one object; update shorten_imports".to_owned());
    }
    Ok((out, glue.replace(&module_key, "\"m\": import0")))
}

/// The sizes of the copies [`precompress`] wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compressed {
    pub gzip: u64,
    pub brotli: u64,
}

/// Writes `<path>.gz` (gzip -9) and `<path>.br` (brotli, quality 11): the collector serves the
/// best one a browser accepts, as is, so files are compressed once at the highest level.
pub(crate) fn precompress(path: &Path) -> Result<Compressed, String> {
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = Command::new("gzip").args(["-9", "-n", "-c"]).stdin(file).output().map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip failed on {}", path.display()));
    }
    write(&with_suffix(path, "gz"), &out.stdout)?;
    let brotli = brotli_bytes(&read(path)?)?;
    write(&with_suffix(path, "br"), &brotli)?;
    Ok(Compressed { gzip: out.stdout.len() as u64, brotli: brotli.len() as u64 })
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    name.into()
}

/// Brotli at its highest quality with the largest standard window (what `brotli -q 11` does).
fn brotli_bytes(input: &[u8]) -> Result<Vec<u8>, String> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &input[..], &mut out, &params).map_err(|e| format!("brotli: {e}"))?;
    Ok(out)
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

    let mut report = String::new();
    let mut files = String::new();
    let mut gz = std::collections::BTreeMap::new();
    for name in ["nps.js", &decider_name, &glue_name, &wasm_name] {
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
    let no_survey = loader_gz + gz[decider_name.as_str()];
    let renderer = gz[glue_name.as_str()] + gz[wasm_name.as_str()];
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

/// Runs `tests/browser/bench-widget.mjs` against `collector` and the built widget.
pub fn run_browser_bench(root: &Path, collector: &Path) -> Result<(), String> {
    run(Command::new("node")
        .arg("bench-widget.mjs")
        .current_dir(root.join("tests/browser"))
        .env("NPS_COLLECTOR_BIN", collector)
        .env("NPS_WIDGET_DIST", root.join("widget/dist"))
        .env("CHROMIUM", CHROMIUM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_copies_decompress_to_the_original() {
        let input = "let survey = nps('track', 'onboarding_completed');\n".repeat(200);
        let packed = brotli_bytes(input.as_bytes()).unwrap_or_default();
        assert!(!packed.is_empty() && packed.len() < input.len() / 10, "{} bytes", packed.len());
        let mut unpacked = Vec::new();
        let decoded = brotli::BrotliDecompress(&mut &packed[..], &mut unpacked);
        assert!(decoded.is_ok());
        assert_eq!(unpacked, input.as_bytes());
    }

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
    fn module(glue_field: &str) -> Vec<u8> {
        let mut imports = vec![2];
        for (module, field) in [(GLUE_MODULE, glue_field), ("env", "keep_me")] {
            for name in [module, field] {
                write_leb(&mut imports, name.len() as u32);
                imports.extend_from_slice(name.as_bytes());
            }
            imports.extend_from_slice(&[0x00, 0x00]); // a function of type 0
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type section: () -> ()
        wasm.push(2);
        write_leb(&mut wasm, imports.len() as u32);
        wasm.extend_from_slice(&imports);
        wasm
    }

    #[test]
    fn shortens_the_glue_imports_in_module_and_glue() {
        let name = "__wbg_setAttribute_cfa3cb31f271776a";
        let glue = format!("const import0 = {{\n        {name}: function(a) {{}},\n    }};\n    return {{ \"{GLUE_MODULE}\": import0 }};\n");
        let (wasm, glue) = shorten_imports(&module(name), &glue).expect("shortened");
        assert_eq!(glue, "const import0 = {\n        _a: function(a) {},\n    };\n    return { \"m\": import0 };\n");
        let mut at = 8 + 6 + 1;
        let _size = read_leb(&wasm, &mut at).expect("size");
        assert_eq!(read_leb(&wasm, &mut at), Ok(2));
        let names: Vec<_> = (0..2)
            .map(|_| {
                let pair = (read_name(&wasm, &mut at).expect("module").to_owned(), read_name(&wasm, &mut at).expect("field").to_owned());
                at += 2;
                pair
            })
            .collect();
        assert_eq!(names, [("m".to_owned(), "_a".to_owned()), ("env".to_owned(), "keep_me".to_owned())]);
        assert_eq!(at, wasm.len());
        assert!(shorten_imports(&module(name), "no such key").is_err(), "a glue it does not understand is refused");
        assert_eq!(short_name(0), "_a");
        assert_eq!(short_name(52), "_ab");
    }

    #[test]
    fn reads_the_locked_wasm_bindgen_version() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
        let version = locked_wasm_bindgen(root).unwrap_or_default();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
