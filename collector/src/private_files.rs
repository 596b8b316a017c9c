//! The data folder holds the answers (SQLite, its WAL), the spool and outbox (answers and
//! e-mails not yet delivered) and the server secret (which signs admin sessions): nobody but the
//! collector's own user may read them. The process umask cannot be set without `unsafe`, so the
//! folder is created (or tightened) to 0700 and the files to 0600 explicitly: at start-up and
//! again once the database and spools are open, when their files exist.
//!
//! SQLite creates its `-wal` and `-shm` files with the mode of the database file, so creating
//! the database file 0600 before SQLite opens it keeps them private when they are recreated.

use anyhow::Context;
use std::path::{Path, PathBuf};

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).with_context(|| format!("restricting {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> anyhow::Result<()> {
    Ok(())
}

/// Tightens the mode, or warns: the collector's own files can always be changed, so a failure
/// means a file someone else owns, which is no reason to refuse to start.
fn tighten(path: &Path, mode: u32) {
    if let Err(e) = set_mode(path, mode) {
        tracing::warn!(error = %format!("{e:#}"), "could not make {} private; check its owner and mode", path.display());
    }
}

/// Creates `dir` (and its parents) and makes it 0700.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    tighten(dir, 0o700);
    Ok(())
}

/// Makes `path` 0600 if it exists.
pub fn restrict_file(path: &Path) {
    if std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file()) {
        tighten(path, 0o600);
    }
}

/// Creates `path` empty with mode 0600 unless it exists (then only tightens its mode).
pub fn create_private_file(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).with_context(|| format!("creating {}", path.display()))?;
    restrict_file(path);
    Ok(())
}

/// Tightens every file directly in `dir` to 0600 and every folder to 0700 (what the collector
/// keeps there: databases, spools, the secret; also anything an operator put there).
pub fn restrict_dir_contents(dir: &Path) -> anyhow::Result<()> {
    tighten(dir, 0o700);
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_file() {
            tighten(&entry.path(), 0o600);
        } else if kind.is_dir() {
            tighten(&entry.path(), 0o700);
        }
    }
    Ok(())
}

/// A SQLite database file and the `-wal`, `-shm` and `-journal` files beside it.
pub fn sqlite_files(database: &Path) -> Vec<PathBuf> {
    let mut files = vec![database.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
    }

    #[test]
    fn folders_and_files_end_up_private() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let dir = root.path().join("data");
        create_private_dir(&dir)?;
        assert_eq!(mode(&dir), 0o700);
        std::fs::write(dir.join("open.redb"), b"x")?;
        set_mode(&dir.join("open.redb"), 0o644)?;
        std::fs::create_dir(dir.join("sub"))?;
        restrict_dir_contents(&dir)?;
        assert_eq!(mode(&dir.join("open.redb")), 0o600);
        assert_eq!(mode(&dir.join("sub")), 0o700);
        create_private_file(&dir.join("nps.sqlite"))?;
        assert_eq!(mode(&dir.join("nps.sqlite")), 0o600);
        assert_eq!(sqlite_files(&dir.join("nps.sqlite"))[1], dir.join("nps.sqlite-wal"));
        Ok(())
    }
}
