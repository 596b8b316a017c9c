//! Rewriting a redb file with only its live records, for erasure.
//!
//! redb is copy-on-write: a removed record's bytes stay in freed pages (and in pages of older
//! tree versions) until that space happens to be reused, and compaction moves pages without
//! clearing what it leaves behind. The only way to be sure no byte of a removed record is left
//! is a new file holding only the records that stay. It is written beside the old one as
//! `<name>.rewrite`, committed durably, renamed over the old file (atomic) and the directory is
//! synced; a crash before the rename leaves the old file whole (the leftover is removed at the
//! next open), a crash after it leaves the new one whole. The caller swaps its open `Database`
//! for the returned one while nothing else can write.

use anyhow::Context;
use redb::{Database, Durability, WriteTransaction};
use std::path::{Path, PathBuf};

fn rewrite_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".rewrite");
    path.with_file_name(name)
}

/// Removes a half-written rewrite left by a crash (the file it was to replace is intact).
pub fn remove_leftover(path: &Path) {
    let leftover = rewrite_path(path);
    if leftover.exists()
        && let Err(e) = std::fs::remove_file(&leftover)
    {
        tracing::warn!(error = %e, file = %leftover.display(), "could not remove an unfinished rewrite");
    }
}

/// Writes a new file with what `fill` copies into it, in one durable transaction, and puts it
/// in place of `path`. Returns the new file, open.
pub fn rewrite_file<F>(path: &Path, cache_bytes: usize, fill: F) -> anyhow::Result<Database>
where
    F: FnOnce(&WriteTransaction) -> anyhow::Result<()>,
{
    let tmp = rewrite_path(path);
    remove_leftover(path);
    let db = Database::builder().set_cache_size(cache_bytes).create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    crate::private_files::restrict_file(&tmp);
    let mut txn = db.begin_write()?;
    txn.set_durability(Durability::Immediate).map_err(|e| anyhow::anyhow!("{e}"))?;
    fill(&txn)?;
    txn.commit()?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(db)
}
