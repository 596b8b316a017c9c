//! The real collector binary as a child process.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The binary next to the test executable (`target/<profile>/nps-collector`).
pub fn binary() -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var("NPS_COLLECTOR_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or_else(|| anyhow::anyhow!("unexpected test binary location {}", exe.display()))?;
    let path = profile_dir.join("nps-collector");
    anyhow::ensure!(path.exists(), "{} is missing: build it with `cargo build -p nps-collector`", path.display());
    Ok(path)
}

/// For the bench binaries: they live in `target/<profile>/` next to the collector, not two
/// levels below it like test binaries, so [`binary`] is told where it is. Call from `main`
/// before the runtime starts (it sets an environment variable).
#[allow(unsafe_code)]
pub fn use_collector_beside_this_binary() -> anyhow::Result<()> {
    if std::env::var_os("NPS_COLLECTOR_BIN").is_some() {
        return Ok(());
    }
    let path = std::env::current_exe()?.with_file_name("nps-collector");
    anyhow::ensure!(path.exists(), "{} is missing: run `cargo build --release -p nps-collector`", path.display());
    // SAFETY: called from `main` before the runtime starts, while this is the only thread.
    unsafe { std::env::set_var("NPS_COLLECTOR_BIN", path) };
    Ok(())
}

/// Runs the collector on a fresh SQLite file with these settings until it exits (settings that
/// must stop start-up): whether it succeeded, and what it wrote on stdout and stderr.
pub async fn run_until_exit(env: &[(&str, &str)]) -> anyhow::Result<(bool, String, String)> {
    let dir = tempfile::tempdir()?;
    let db = crate::TestDatabase::sqlite(dir.path());
    run_command(&db.url, &[], env).await
}

/// Starts the collector on a fresh SQLite file with settings that must stop start-up, and fails
/// unless it stops, saying on stderr each of `mentions` (the setting, what is wrong with it).
pub async fn refuses_to_start(env: &[(&str, &str)], mentions: &[&str]) -> anyhow::Result<()> {
    let (started, stdout, stderr) = run_until_exit(env).await?;
    anyhow::ensure!(!started, "the collector started with {env:?}; stdout: {stdout}");
    anyhow::ensure!(mentions.iter().all(|m| stderr.contains(m)), "stderr does not say {mentions:?}: {stderr}");
    Ok(())
}

/// Two collectors sharing a fresh PostgreSQL database, as behind a load balancer, with the
/// folder of their data.
pub async fn two_on_postgres() -> anyhow::Result<(tempfile::TempDir, Collector, Collector)> {
    let dir = tempfile::tempdir()?;
    let db = crate::TestDatabase::postgres().await?;
    let [a, b]: [Collector; 2] = Collector::several(dir.path(), &db.url, 2).await?.try_into().map_err(|_| anyhow::anyhow!("two collectors"))?;
    Ok((dir, a, b))
}

/// Runs the collector binary with `args` (a subcommand, or none to serve) on `database_url`, with
/// a data dir of its own, until it exits: whether it succeeded, its stdout and its stderr.
pub async fn run_command(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<(bool, String, String)> {
    let dir = tempfile::tempdir()?;
    let mut command = Command::new(binary()?);
    command.args(args).env("NPS_DATA_DIR", dir.path().join("data")).env("NPS_DATABASE_URL", database_url).env("NPS_HTTP__PORT", "0").kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), command.output()).await??;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Ok((output.status.success(), text(&output.stdout), text(&output.stderr)))
}

#[derive(Clone)]
pub struct CollectorOptions {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Extra `NPS_*` settings.
    pub env: Vec<(String, String)>,
}

impl CollectorOptions {
    pub fn new(data_dir: PathBuf, database_url: String) -> Self {
        Self { data_dir, database_url, env: Vec::new() }
    }

    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.env.push((key.to_owned(), value.to_string()));
        self
    }

    /// Every setting of `env`, after the ones given so far (a later one wins).
    pub fn with_env(self, env: &[(&str, &str)]) -> Self {
        env.iter().fold(self, |options, (key, value)| options.with(key, value))
    }
}

pub struct Collector {
    child: Child,
    pub url: String,
    pub options: CollectorOptions,
}

impl Collector {
    pub async fn start(options: CollectorOptions) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&options.data_dir)?;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(options.data_dir.join("collector.log"))?;
        let mut command = Command::new(binary()?);
        command
            .env("NPS_DATA_DIR", &options.data_dir)
            .env("NPS_DATABASE_URL", &options.database_url)
            .env("NPS_HTTP__PORT", "0")
            .env("NPS_AUTH__SERVER_SECRET", crate::tokens::TEST_SERVER_SECRET)
            // Tests drive thousands of requests from one address.
            .env("NPS_LIMITS__PER_IP_RPS", "1000000")
            .env("NPS_LIMITS__PER_IP_BURST", "1000000")
            .env("NPS_LIMITS__PER_PROJECT_RPS", "1000000")
            .env("NPS_LIMITS__PER_PROJECT_BURST", "1000000")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        for (k, v) in &options.env {
            command.env(k, v);
        }
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line.strip_prefix("NPS collector listening on ") {
                    return Ok::<_, anyhow::Error>(url.trim().to_owned());
                }
            }
            anyhow::bail!("the collector exited before listening; see {}/collector.log", options.data_dir.display())
        })
        .await
        .map_err(|_| anyhow::anyhow!("the collector did not start within 60 s"))??;
        // Keep reading stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, url, options })
    }

    /// `count` collectors sharing one database, as behind a load balancer, each with a data
    /// folder of its own under `dir`.
    pub async fn several(dir: &std::path::Path, database_url: &str, count: usize) -> anyhow::Result<Vec<Self>> {
        let mut collectors = Vec::with_capacity(count);
        for i in 0..count {
            collectors.push(Self::start(CollectorOptions::new(dir.join(format!("data{i}")), database_url.to_owned())).await?);
        }
        Ok(collectors)
    }

    /// SIGKILL: no chance to flush or drain anything.
    pub async fn kill9(&mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }

    /// SIGTERM, then wait for a graceful exit.
    pub async fn terminate(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        let pid = self.child.id().ok_or_else(|| anyhow::anyhow!("already exited"))?;
        let pid = i32::try_from(pid)?;
        // SAFETY-free: libc::kill is a plain syscall wrapper on a pid we own.
        signal(pid, libc::SIGTERM)?;
        Ok(tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await??)
    }

    pub async fn restart(self) -> anyhow::Result<Self> {
        Self::start(self.options.clone()).await
    }

    /// The child's process id (None once it has been waited for).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.options.data_dir.join("collector.log")).unwrap_or_default()
    }

    /// The last `lines` lines of the log, newest first, for an error message.
    pub fn log_tail(&self, lines: usize) -> String {
        self.log().lines().rev().take(lines).collect::<Vec<_>>().join("\n")
    }
}

#[allow(unsafe_code)]
fn signal(pid: i32, sig: i32) -> anyhow::Result<()> {
    // SAFETY: kill(2) has no memory-safety preconditions.
    let rc = unsafe { libc::kill(pid, sig) };
    anyhow::ensure!(rc == 0, "kill({pid}, {sig}) failed");
    Ok(())
}
