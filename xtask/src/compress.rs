//! Precompression of the web apps' files at build time: the collector serves the copies as they
//! are (see `collector/src/routes/assets.rs`), so they are compressed once, at the highest level.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `fs::read` with the path in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `fs::write` with the path in the error.
pub(crate) fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
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
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = Command::new("gzip").args(["-9", "-n", "-c"]).stdin(file).output().map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip failed on {}", path.display()));
    }
    write(&with_suffix(path, "gz"), &out.stdout)?;
    let brotli = brotli_bytes(&read(path)?)?;
    write(&with_suffix(path, "br"), &brotli)?;
    Ok(Compressed { gzip: out.stdout.len() as u64, brotli: brotli.len() as u64 })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
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
}
