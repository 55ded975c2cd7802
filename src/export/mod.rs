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
    mode: Mode,
}

/// How the target folder is found, and so how `commit` puts the results there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Absent, empty, or an earlier result of `simulate`: the staged folder replaces it whole,
    /// keeping what the earlier run did not write.
    Replace,
    /// A folder of other files, written into with `--force`: each staged file is moved in,
    /// replacing only a file of the same name; nothing else is touched.
    Into,
}

/// The list of files `simulate` wrote into a results folder (one name a line). With
/// `manifest.json` it marks the folder as an earlier result, and tells a later run which files
/// it may replace or remove.
pub const FILE_LIST: &str = ".simulate-files";

/// Why an output folder cannot be used (a user error: exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("cannot write results to '{path}': {reason}")]
pub struct OutputError {
    /// The folder.
    pub path: String,
    /// What went wrong.
    pub reason: String,
}

/// Whether `dir` is a results folder written by `simulate` (it has the list of files written,
/// or a manifest naming the tool).
pub fn is_result(dir: &Path) -> bool {
    if dir.join(FILE_LIST).is_file() {
        return true;
    }
    crate::limits::read(&dir.join("manifest.json"), crate::limits::META_BYTES)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("tool").and_then(|t| t.as_str()) == Some("simulate"))
}

/// Whether a folder holds only results of `simulate`: nothing, earlier results (such as the
/// shard folders of a study), and staging folders of runs under way.
fn holds_only_results(dir: &Path) -> std::io::Result<bool> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().to_string();
        let staging = name.starts_with('.') && name.contains(".partial-");
        if !(staging || (e.path().is_dir() && is_result(&e.path()))) {
            return Ok(false);
        }
    }
    Ok(true)
}

impl OutputDir {
    /// Prepares `target` (created with its parents at commit) and a fresh staging folder.
    /// A non-empty folder that is not an earlier result is refused (see [`OutputDir::create_with`]).
    pub fn create(target: &Path) -> Result<OutputDir, OutputError> {
        OutputDir::create_with(target, false)
    }

    /// Prepares `target`. An existing folder must be empty or an earlier result of `simulate`
    /// ([`is_result`]); any other non-empty folder is refused unless `force`, and then only the
    /// files this run writes are replaced in it.
    pub fn create_with(target: &Path, force: bool) -> Result<OutputDir, OutputError> {
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
        let mode =
            if !target.is_dir() || is_result(target) || holds_only_results(target).map_err(fail)? {
                Mode::Replace
            } else if force {
                Mode::Into
            } else {
                return Err(OutputError {
                    path: target.display().to_string(),
                    reason: "the folder holds files that are not an earlier result of simulate \
                    (it has no manifest.json): choose another --out, or add --force to write into \
                    it (only the files simulate writes are replaced; nothing else is touched)"
                        .into(),
                });
            };
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
            mode,
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

    /// Moves the staged files into the target folder. An earlier result is replaced whole,
    /// except for what the earlier run did not write (a README, the `explain/` or shard folders
    /// inside it), which is kept; in a folder written into with `--force`, only files of the
    /// same names are replaced.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let mut names: Vec<String> = fs::read_dir(&self.staging)
            .with_context(|| format!("listing {}", self.staging.display()))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().to_string()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("listing {}", self.staging.display()))?;
        names.sort();
        let mut list = names.join("\n");
        list.push('\n');
        fs::write(self.staging.join(FILE_LIST), list)
            .with_context(|| format!("writing {}", self.staging.join(FILE_LIST).display()))?;
        match self.mode {
            Mode::Replace => self.replace()?,
            Mode::Into => self.move_into(&names)?,
        }
        self.committed = true;
        Ok(())
    }

    fn replace(&self) -> anyhow::Result<()> {
        let old = self.staging.with_extension("old");
        if self.target.exists() {
            fs::rename(&self.target, &old)
                .with_context(|| format!("replacing {}", self.target.display()))?;
        }
        fs::rename(&self.staging, &self.target)
            .with_context(|| format!("moving results into {}", self.target.display()))?;
        if old.exists() {
            // Files of the earlier run are the ones it listed (by extension for results
            // written before the list existed); everything else is kept.
            let listed: Option<Vec<String>> =
                crate::limits::read_text(&old.join(FILE_LIST), crate::limits::META_BYTES)
                    .ok()
                    .map(|t| t.lines().map(str::to_string).collect());
            let theirs = |name: &str| match &listed {
                Some(l) => l.iter().any(|n| n == name),
                None => is_ours(name),
            };
            if let Ok(entries) = fs::read_dir(&old) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().to_string();
                    let dest = self.target.join(&name);
                    if !dest.exists() && name != FILE_LIST && !theirs(&name) {
                        let _ = fs::rename(e.path(), dest);
                    }
                }
            }
            fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
        }
        Ok(())
    }

    fn move_into(&self, names: &[String]) -> anyhow::Result<()> {
        for name in names.iter().map(String::as_str).chain([FILE_LIST]) {
            let dest = self.target.join(name);
            if dest.is_dir() {
                anyhow::bail!(
                    "cannot write {}: a folder of that name is in the way",
                    dest.display()
                );
            }
            fs::rename(self.staging.join(name), &dest)
                .with_context(|| format!("moving {} into place", dest.display()))?;
        }
        fs::remove_dir_all(&self.staging)
            .with_context(|| format!("removing {}", self.staging.display()))?;
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

/// Files a run wrote before results listed them (a later run replaces them all).
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
