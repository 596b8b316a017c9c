//! Project tasks (std, plus brotli for the web apps): `cargo xtask run | test | contract | build-widget | bench [bench args]`
//! (and `bench-decide`, `bench-reports`, `bench-accounts`, `bench-resident`, `bench-abuse`, `bench-widget`, `bench-admin`).

mod admin;
mod admin_split;
mod code_map;
mod code_size;
mod module_cycles;
mod schema_names;
mod sources;
mod test_databases;
mod compress;
mod contract;
mod wasm_imports;
mod widget;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo xtask <command>
  run              build the widget and the collector (release) and serve them with ./data as the data dir
  build-widget     install the WASM tools if missing, build the widget and the admin app into widget/dist
  build-admin      rebuild only the admin app into widget/dist/admin (the widget build stays as it is)
  test             make sure PostgreSQL is up, build the collector, run the whole test suite (with the contract step)
  contract [--fuzz-seconds N | --fuzz-minutes N]  check the API against its OpenAPI document with schemathesis (default 120 s of fuzzing)
  bench [args...]  build (release) and run the ingest benchmark, e.g. bench --seconds 5
  bench-decide [args...]  build (release) and run the eligibility benchmark
  bench-reports [args...]  build (release) and run the reports benchmark, e.g. bench-reports --answers 1000000,10000000
  bench-accounts [args...]  build (release) and run the account reports benchmark, e.g. bench-accounts --answers 100000 --accounts 2000
  bench-resident [args...]  build (release) and run the resident-memory benchmark, e.g. bench-resident --users 200000
  bench-abuse      build (release) and run the abuse benchmark: memory under concurrent sign-ins and unknown keys
  bench-widget     build the web apps and the collector (release), time the widget in headless Chromium
  bench-admin      build the web apps and the collector (release), weigh and time a first visit of the admin app
  drop-test-databases  drop the nps_test_* PostgreSQL databases nothing is connected to (test and bench do it themselves)";

/// Why a task stopped: a child process exited non-zero (its code is passed on) or something
/// else went wrong.
enum Failure {
    Exit(i32),
    Message(String),
}

type Result<T = ()> = std::result::Result<T, Failure>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(),
        Some("contract") => contract_only(&args[1..]),
        Some("build-widget") => build_web_apps(),
        Some("build-admin") => build_admin_only(),
        Some("bench") => bench("bench-ingest", &args[1..]),
        Some("bench-decide") => bench("bench-decide", &args[1..]),
        Some("bench-reports") => bench("bench-reports", &args[1..]),
        Some("bench-accounts") => bench("bench-accounts", &args[1..]),
        Some("bench-resident") => bench("bench-resident", &args[1..]),
        Some("bench-abuse") => bench("bench-abuse", &args[1..]),
        Some("bench-widget") => bench_widget(),
        Some("bench-admin") => bench_admin(),
        Some("drop-test-databases") => {
            test_databases::sweep("on request");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Exit(code)) => ExitCode::from(u8::try_from(code).ok().filter(|c| *c != 0).unwrap_or(1)),
        Err(Failure::Message(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: everything runs from there, whatever the caller's directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), |dir| root().join(dir))
}

/// `cargo` as invoked by the user (`cargo run` sets `CARGO`), so toolchain overrides hold.
fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(args).current_dir(root());
    command
}

fn print_command(command: &Command) {
    let args: Vec<_> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    println!("$ {} {}", command.get_program().to_string_lossy(), args.join(" "));
}

/// Prints the command, runs it with inherited stdio and fails on a non-zero exit.
fn exec(command: &mut Command) -> Result {
    print_command(command);
    let program = command.get_program().to_string_lossy().into_owned();
    let status = command.status().map_err(|e| Failure::Message(format!("cannot run {program}: {e}")))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Failure::Exit(code)),
        None => Err(Failure::Message(format!("{program} was killed by a signal"))),
    }
}

/// The WASM tools (wasm target, wasm-bindgen CLI, wasm-opt) are installed on first use.
fn build_web_apps() -> Result {
    let root = root();
    widget::ensure_widget_tools(&root).map_err(Failure::Message)?;
    // The widget build empties widget/dist, so the admin app goes in after it.
    widget::build_widget(&root).map_err(Failure::Message)?;
    admin::build_admin(&root).map_err(Failure::Message)
}

/// Only the admin app: for admin work, without rebuilding (and emptying) the widget's files.
fn build_admin_only() -> Result {
    let root = root();
    widget::ensure_widget_tools(&root).map_err(Failure::Message)?;
    admin::build_admin(&root).map_err(Failure::Message)
}

fn run() -> Result {
    build_web_apps()?;
    exec(&mut cargo(&["build", "--release", "-p", "nps-collector"]))?;
    let mut server = Command::new(target_dir().join("release/nps-collector"));
    server.arg("serve").current_dir(root());
    for (key, default) in [("NPS_DATA_DIR", "./data"), ("NPS_DATABASE_URL", "sqlite://data/nps.sqlite")] {
        if std::env::var_os(key).is_none() {
            server.env(key, default);
        }
    }
    replace_process(&mut server)
}

/// Becomes the server (Unix `exec`), so Ctrl-C and the exit code reach it and come from it
/// directly instead of going through a waiting parent.
#[cfg(unix)]
fn replace_process(command: &mut Command) -> Result {
    use std::os::unix::process::CommandExt;
    print_command(command);
    let error = command.exec();
    Err(Failure::Message(format!("cannot run {}: {error}", command.get_program().to_string_lossy())))
}

#[cfg(not(unix))]
fn replace_process(command: &mut Command) -> Result {
    exec(command)
}

fn test() -> Result {
    ensure_postgres()?;
    test_databases::sweep("left by an earlier run");
    let result = test_suite();
    test_databases::sweep("this run's");
    result
}

fn test_suite() -> Result {
    exec(&mut cargo(&["build", "-p", "nps-collector", "--bins"]))?;
    // The WASM apps are tested in a real browser; the admin app's pure helpers (formatting,
    // routes, client-side validation) also by its own unit tests, which run natively.
    let native = exec(&mut cargo(&["test", "--workspace", "--no-fail-fast", "--exclude", "nps-widget", "--exclude", "nps-admin"]))
        .and(exec(&mut cargo(&["test", "-p", "nps-admin", "--lib"])));
    let api_contract = contract::contract(&root(), &target_dir(), contract::DEFAULT_FUZZ_SECONDS).map_err(Failure::Message);
    let browser = browser_tests();
    native.and(api_contract).and(browser)
}

/// The contract step alone, e.g. `cargo xtask contract --fuzz-minutes 30` for a longer run.
fn contract_only(args: &[String]) -> Result {
    let seconds = contract::fuzz_seconds(args).map_err(Failure::Message)?;
    exec(&mut cargo(&["build", "-p", "nps-collector", "--bins"]))?;
    contract::contract(&root(), &target_dir(), seconds).map_err(Failure::Message)
}

/// Builds the web apps and runs `tests/browser` in headless Chromium against the debug
/// collector.
fn browser_tests() -> Result {
    build_web_apps()?;
    let root = root();
    widget::ensure_browser(&root).map_err(Failure::Message)?;
    widget::run_browser_tests(&root).map_err(Failure::Message)
}

/// Trigger-to-visible time and longest main-thread task of the widget (tests/browser/bench-widget.mjs).
fn bench_widget() -> Result {
    build_web_apps()?;
    exec(&mut cargo(&["build", "--release", "-p", "nps-collector"]))?;
    let root = root();
    widget::ensure_browser(&root).map_err(Failure::Message)?;
    widget::run_browser_script(&root, "bench-widget.mjs", &target_dir().join("release/nps-collector")).map_err(Failure::Message)
}

/// Bytes on the wire and time to the sign-in form of a first admin visit (tests/browser/bench-admin.mjs).
fn bench_admin() -> Result {
    build_web_apps()?;
    exec(&mut cargo(&["build", "--release", "-p", "nps-collector"]))?;
    let root = root();
    widget::ensure_browser(&root).map_err(Failure::Message)?;
    widget::run_browser_script(&root, "bench-admin.mjs", &target_dir().join("release/nps-collector")).map_err(Failure::Message)
}

fn bench(name: &str, args: &[String]) -> Result {
    exec(&mut cargo(&["build", "--release", "-p", "nps-collector", "-p", "nps-e2e", "--bins"]))?;
    ensure_postgres()?;
    test_databases::sweep("left by an earlier run");
    let result = exec(Command::new(target_dir().join("release").join(name)).args(args).current_dir(root()));
    test_databases::sweep("this bench's");
    result
}

const POSTGRES: &str = "127.0.0.1:5432";

fn postgres_up() -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], 5432));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

/// The PostgreSQL tests fail (they never skip) without a server, so start the local cluster
/// if it is installed but down.
fn ensure_postgres() -> Result {
    if postgres_up() {
        println!("PostgreSQL is reachable on {POSTGRES}");
        return Ok(());
    }
    println!("PostgreSQL is not reachable on {POSTGRES}; trying to start the local cluster");
    let version = installed_postgres_version()
        .ok_or_else(|| Failure::Message("PostgreSQL is not running and no cluster was found in /etc/postgresql".into()))?;
    // A failed start is reported by the wait below, with a clearer message.
    let _ = exec(Command::new("pg_ctlcluster").args(["--skip-systemctl-redirect", &version, "main", "start"]));
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if postgres_up() {
            println!("PostgreSQL {version} started and reachable on {POSTGRES}");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(Failure::Message(format!(
        "PostgreSQL {version} did not become reachable on {POSTGRES} within 30 s; the PostgreSQL tests need it"
    )))
}

/// The newest version directory under /etc/postgresql (e.g. `15`).
fn installed_postgres_version() -> Option<String> {
    let entries = std::fs::read_dir("/etc/postgresql").ok()?;
    let versions = entries.filter_map(|e| e.ok()?.file_name().into_string().ok());
    // Compare numerically part by part, so 15 is newer than 9.6.
    versions.max_by_key(|v| v.split('.').map(|part| part.parse::<u32>().unwrap_or(0)).collect::<Vec<_>>())
}
