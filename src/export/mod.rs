//! Outputs: tidy CSV and JSON from the same row structs, the manifest, and atomic writing.
//!
//! Each writer only turns results into bytes (`rows -> impl Write`). `OutputDir` stages every
//! file of a run in a hidden folder beside the target and swaps it into place at the end, so
//! an interrupted or failed run leaves nothing half-written in `output/`.

pub mod tables;

use anyhow::Context;
use std::fs;
use std::path::{Path, PathBuf};

/// A results folder being written: files go to a staging folder until `commit`.
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

/// Why an output folder cannot be used (a user error: exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("cannot write results to '{path}': {reason}")]
pub struct OutputError {
    /// The folder.
    pub path: String,
    /// What went wrong.
    pub reason: String,
}

impl OutputDir {
    /// Prepares `target` (created with its parents at commit) and a fresh staging folder.
    pub fn create(target: &Path) -> Result<OutputDir, OutputError> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "output".to_string());
        let fail = |e: std::io::Error| OutputError {
            path: target.display().to_string(),
            reason: e.to_string(),
        };
        if target.exists() && !target.is_dir() {
            return Err(OutputError {
                path: target.display().to_string(),
                reason: "it exists and is not a folder".into(),
            });
        }
        if let Some(file) = parent.ancestors().find(|a| a.is_file()) {
            return Err(OutputError {
                path: target.display().to_string(),
                reason: format!("'{}' is a file, not a folder", file.display()),
            });
        }
        fs::create_dir_all(parent).map_err(fail)?;
        remove_stale_staging(parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(fail)?;
        }
        fs::create_dir(&staging).map_err(fail)?;
        Ok(OutputDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// The folder files are written into until commit.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The final folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes one file into the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let path = self.staging.join(name);
        fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        Ok(self.target.join(name))
    }

    /// Opens a file in the staging folder for streaming.
    pub fn create_file(&self, name: &str) -> anyhow::Result<fs::File> {
        let path = self.staging.join(name);
        fs::File::create(&path).with_context(|| format!("creating {}", path.display()))
    }

    /// Moves the staged files into the target folder, replacing files of the same name and
    /// removing stale outputs of an earlier run that this run does not write.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let old = self.staging.with_extension("old");
        if self.target.exists() {
            fs::rename(&self.target, &old)
                .with_context(|| format!("replacing {}", self.target.display()))?;
        }
        fs::rename(&self.staging, &self.target)
            .with_context(|| format!("moving results into {}", self.target.display()))?;
        if old.exists() {
            // Keep files the user put there that are not ours (e.g. a README).
            if let Ok(entries) = fs::read_dir(&old) {
                for e in entries.flatten() {
                    let dest = self.target.join(e.file_name());
                    if !dest.exists() && !is_ours(&e.file_name().to_string_lossy()) {
                        let _ = fs::rename(e.path(), dest);
                    }
                }
            }
            fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
        }
        self.committed = true;
        Ok(())
    }
}

/// Removes staging folders of earlier runs of the same target that were killed before they
/// could clean up (their process no longer exists, or, where that cannot be told, a day old).
fn remove_stale_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.trim_end_matches(".old");
        let alive = if Path::new("/proc/self").exists() {
            Path::new("/proc").join(pid).exists()
        } else {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age.as_secs() < 86_400)
        };
        if !alive && pid != std::process::id().to_string() {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Files a run writes (a later run replaces them all).
fn is_ours(name: &str) -> bool {
    const EXT: [&str; 5] = [".csv", ".json", ".png", ".svg", ".toml"];
    EXT.iter().any(|e| name.ends_with(e)) || name.ends_with(".html")
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Writes a file atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// SHA-256 of bytes as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
