//! `cargo xtask contract [--fuzz-seconds N]`: the OpenAPI document is the contract of the HTTP
//! API, checked by schemathesis against the debug collector (docs/api-contract.md).
//!
//! A pinned schemathesis is installed into a venv under the target dir; the collector runs on
//! a fresh SQLite data dir; `xtask/contract/run.py` seeds it and runs schemathesis. Any failure
//! of any check fails the task.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Pinned, so that a new release's checks cannot fail the suite unannounced; raise it on purpose.
const SCHEMATHESIS: &str = "4.32.5";
/// The default time for the fuzzing phase of the main run; the whole step stays under 6 min.
pub const DEFAULT_FUZZ_SECONDS: u64 = 120;

/// The collector under test: killed when dropped, so a failed run leaves no server behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `--fuzz-seconds N` (or `--fuzz-minutes N`) from the task's arguments.
pub fn fuzz_seconds(args: &[String]) -> Result<u64, String> {
    let mut seconds = DEFAULT_FUZZ_SECONDS;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let factor = match arg.as_str() {
            "--fuzz-seconds" => 1,
            "--fuzz-minutes" => 60,
            other => return Err(format!("unknown argument `{other}`; use --fuzz-seconds N or --fuzz-minutes N")),
        };
        let value = args.next().and_then(|v| v.parse::<u64>().ok()).filter(|v| *v > 0);
        seconds = value.ok_or_else(|| format!("{arg} needs a positive whole number"))? * factor;
    }
    Ok(seconds)
}

/// The venv's Python, with the pinned schemathesis installed (once).
fn ensure_venv(target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("contract-venv");
    let python = venv.join("bin/python");
    let installed = Command::new(venv.join("bin/schemathesis"))
        .arg("--version")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(SCHEMATHESIS));
    if installed {
        return Ok(python);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet", &format!("schemathesis=={SCHEMATHESIS}")]))?;
    Ok(python)
}

fn run(command: &mut Command) -> Result<(), String> {
    crate::print_command(command);
    let status = command.status().map_err(|e| format!("cannot run {}: {e}", command.get_program().to_string_lossy()))?;
    if status.success() { Ok(()) } else { Err(format!("{} failed ({status})", command.get_program().to_string_lossy())) }
}

/// Starts the debug collector on a fresh data dir and returns it with its URL.
fn start_collector(target: &Path, work: &Path) -> Result<(Server, String), String> {
    let data = work.join("data");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| format!("creating {}: {e}", data.display()))?;
    let log = std::fs::File::create(work.join("collector.log")).map_err(|e| format!("creating the collector log: {e}"))?;
    let mut command = Command::new(target.join("debug/nps-collector"));
    command
        .arg("serve")
        .env("NPS_DATA_DIR", &data)
        .env("NPS_DATABASE_URL", format!("sqlite://{}", data.join("nps.sqlite").display()))
        .env("NPS_HTTP__HOST", "127.0.0.1")
        .env("NPS_HTTP__PORT", "0")
        // One client address sends every request of the run: the rate limits and the sign-in
        // lockout would otherwise answer most of them 429 (a declared answer, so no failure,
        // but the handlers behind would go untested).
        .env("NPS_LIMITS__PER_IP_RPS", "1000000")
        .env("NPS_LIMITS__PER_IP_BURST", "1000000")
        .env("NPS_LIMITS__PER_PROJECT_RPS", "1000000")
        .env("NPS_LIMITS__PER_PROJECT_BURST", "1000000")
        .env("NPS_AUTH__SIGN_IN_FAILURES_PER_ACCOUNT", "1000000")
        .env("NPS_AUTH__SIGN_IN_FAILURES_PER_ADDRESS", "1000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log));
    crate::print_command(&command);
    let mut child = command.spawn().map_err(|e| format!("cannot start the collector: {e}"))?;
    let stdout = child.stdout.take().ok_or("the collector has no stdout")?;
    let server = Server(child);
    let (found, url) = mpsc::channel();
    // Reads the whole stdout, so the collector never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("NPS collector listening on ") {
                let _ = found.send(url.trim().to_owned());
            }
        }
    });
    let url = url
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| format!("the collector did not start within 60 s; see {}", work.join("collector.log").display()))?;
    Ok((server, url))
}

/// The whole step; the collector binary must be built already.
pub fn contract(root: &Path, target: &Path, fuzz_seconds: u64) -> Result<(), String> {
    let python = ensure_venv(target)?;
    let work = target.join("contract");
    let (server, url) = start_collector(target, &work)?;
    let mut check = Command::new(python);
    check
        .arg(root.join("xtask/contract/run.py"))
        .args(["--url", &url, "--fuzz-seconds", &fuzz_seconds.to_string(), "--work-dir"])
        .arg(&work)
        .current_dir(&work);
    let result = run(&mut check);
    drop(server);
    result.map_err(|e| format!("{e}: the API does not keep its contract; reports and the collector log are in {}", work.display()))
}
