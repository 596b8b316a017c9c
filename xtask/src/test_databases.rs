//! The PostgreSQL databases the tests and benches create (`nps_test_<uuid>`, one per test or
//! bench phase, `tests/src/database.rs`) are dropped when a run ends, and whatever an
//! interrupted run left behind is dropped before the next one starts. A whole `cargo xtask
//! test` creates 67 of them (about 10 MB each) and a bench phase's are about 100 MB: left in
//! place they fill the disk of the server every run on the machine shares (3.7 GB after one
//! day's benches and a few test files, seen here).
//!
//! Dropped without `FORCE`: a database that a process is still connected to (a run still in
//! progress, a collector someone started by hand) is left alone and counted as kept.

use std::io::Write;
use std::process::{Command, Stdio};

const NAME_PREFIX: &str = "nps_test_";

/// Drops every test database nothing is connected to, and says how many went and stayed.
/// Never fails the run: a server without `psql` beside it only gets a note.
pub fn sweep(when: &str) {
    let url = admin_url();
    let names = match list(&url) {
        Ok(names) => names,
        Err(e) => {
            println!("test databases ({when}): not swept: {e}");
            return;
        }
    };
    if names.is_empty() {
        return;
    }
    // One statement per line, read by one psql: each DROP DATABASE runs in its own implicit
    // transaction (it cannot run inside one), and one that fails does not stop the rest.
    let script: String = names.iter().map(|name| format!("DROP DATABASE IF EXISTS \"{name}\";\n")).collect();
    if let Err(e) = run_script(&url, &script) {
        println!("test databases ({when}): not swept: {e}");
        return;
    }
    // Only those named before count as kept: a run started meanwhile may have made new ones.
    let kept = list(&url).map(|left| left.iter().filter(|name| names.contains(name)).count()).unwrap_or(names.len());
    println!("test databases ({when}): {} dropped, {kept} in use and kept", names.len().saturating_sub(kept));
}

/// The server the tests use (`NPS_TEST_PG_URL`, as `tests/src/database.rs` reads it).
fn admin_url() -> String {
    std::env::var("NPS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn list(url: &str) -> Result<Vec<String>, String> {
    let query = format!("SELECT datname FROM pg_database WHERE starts_with(datname, '{NAME_PREFIX}')");
    let out = Command::new("psql")
        .args([url, "-XAtc", &query])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if !out.status.success() {
        return Err(format!("psql: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().filter(|name| is_test_database(name)).map(str::to_owned).collect())
}

/// Only names this suite makes: the prefix, then letters, digits and underscores (so the
/// name can go in the script quoted as it is).
fn is_test_database(name: &str) -> bool {
    name.strip_prefix(NAME_PREFIX).is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

fn run_script(url: &str, script: &str) -> Result<(), String> {
    let mut psql = Command::new("psql")
        .args([url, "-Xq", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    psql.stdin.take().ok_or("psql has no stdin")?.write_all(script.as_bytes()).map_err(|e| e.to_string())?;
    psql.wait().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_test_database;

    #[test]
    fn only_the_suites_own_names_are_swept() {
        assert!(is_test_database("nps_test_0f3a9c"));
        assert!(!is_test_database("nps_test_"));
        assert!(!is_test_database("test"));
        assert!(!is_test_database("nps_production"));
        assert!(!is_test_database("nps_test_x\"; DROP DATABASE test; --"));
    }
}
