//! Checkpoints of a study under way, so that one killed mid-way (kill -9, a dropped SSH
//! connection, a pre-empted batch job) continues where it stopped with `--resume`.
//!
//! A checkpoint is a hidden folder beside the results folder, `.<name>.checkpoint/`: the
//! accumulators' state after the runs done so far (the same state a shard's `partial.bin`
//! holds), what study it belongs to, and, with `--keep-runs`, the per-run rows streamed so far.
//! `state.bin` is replaced atomically (written to a temporary file, synced, renamed), so a kill
//! at any moment leaves either the previous checkpoint or the new one. Since the accumulators
//! fold runs in plan order with exact sums, a resumed study writes the same bytes as an
//! uninterrupted one. The folder is removed once the results are in place.

use crate::limits;
use crate::usage::UsageError;
use anyhow::Context;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Name of the accumulators' state in a checkpoint folder.
pub const STATE: &str = "state.bin";
/// Name of the per-run rows streamed so far (with `--keep-runs`).
pub const RUNS: &str = "runs.csv";
/// Largest checkpoint state read back.
const STATE_BYTES: u64 = limits::SHARD_BYTES;

/// A saved checkpoint.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Saved {
    /// What study it belongs to (scenario hash, seed, runs, shard, options): a resume must
    /// match it exactly.
    pub study: serde_json::Value,
    /// Runs of the plan done (a prefix of the plan).
    pub done: usize,
    /// Bytes of `runs.csv` that belong to those runs.
    pub runs_csv_len: u64,
    /// The command line of the first attempt, kept for the manifest and the report.
    pub command_line: String,
    /// The accumulators' state.
    #[serde(skip)]
    pub state: Vec<u8>,
}

/// The checkpoint folder of a results folder.
pub fn dir_for(target: &Path) -> PathBuf {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".to_string());
    parent.join(format!(".{name}.checkpoint"))
}

/// Saves a checkpoint atomically into `dir` (created if needed).
pub fn save(dir: &Path, saved: &Saved) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let head = serde_json::to_vec(saved).context("checkpoint")?;
    let tmp = dir.join(format!("{STATE}.tmp"));
    let path = dir.join(STATE);
    let mut f = fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(b"SIMCKPT1")?;
    f.write_all(&(head.len() as u64).to_le_bytes())?;
    f.write_all(&head)?;
    f.write_all(&saved.state)?;
    f.sync_all()
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(f);
    fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Reads the checkpoint in `dir`, if there is one.
pub fn load(dir: &Path) -> anyhow::Result<Option<Saved>> {
    let path = dir.join(STATE);
    if !path.exists() {
        return Ok(None);
    }
    let bad = |why: String| -> anyhow::Error {
        UsageError(format!(
            "the checkpoint {} cannot be used: {why}; run without --resume to start over",
            path.display()
        ))
        .into()
    };
    let bytes = limits::read(&path, STATE_BYTES).map_err(|e| bad(e.to_string()))?;
    if bytes.len() < 16 || &bytes[..8] != b"SIMCKPT1" {
        return Err(bad("not a checkpoint of this version".into()));
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&bytes[8..16]);
    let n = u64::from_le_bytes(n) as usize;
    let head = bytes
        .get(16..16usize.saturating_add(n))
        .ok_or_else(|| bad("it is truncated".into()))?;
    let mut saved: Saved =
        serde_json::from_slice(head).map_err(|e| bad(format!("bad description: {e}")))?;
    saved.state = bytes[16 + n..].to_vec();
    Ok(Some(saved))
}

/// Removes a checkpoint folder (after the results are in place, or to start over).
pub fn remove(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    Ok(())
}

/// Little-endian encoding of an accumulator's state (exact bits of every number).
#[derive(Default)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// One whole number.
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A list of numbers, with its length.
    pub fn f64s(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        for x in v {
            self.0.extend_from_slice(&x.to_bits().to_le_bytes());
        }
    }
    /// A list of whole numbers, with its length.
    pub fn u64s(&mut self, v: &[u64]) {
        self.u64(v.len() as u64);
        for x in v {
            self.u64(*x);
        }
    }
}

/// Reads what [`Bytes`] wrote; every read is checked against the bytes left.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }
    /// One whole number.
    pub fn u64(&mut self) -> Result<u64, String> {
        let (head, rest) = self
            .bytes
            .split_at_checked(8)
            .ok_or_else(|| "the state is truncated".to_string())?;
        self.bytes = rest;
        let mut b = [0u8; 8];
        b.copy_from_slice(head);
        Ok(u64::from_le_bytes(b))
    }
    fn len(&mut self) -> Result<usize, String> {
        let n = self.u64()?;
        if n > (self.bytes.len() / 8) as u64 {
            return Err("the state is truncated".into());
        }
        Ok(n as usize)
    }
    /// A list of numbers.
    pub fn f64s(&mut self) -> Result<Vec<f64>, String> {
        let n = self.len()?;
        (0..n).map(|_| self.u64().map(f64::from_bits)).collect()
    }
    /// A list of whole numbers.
    pub fn u64s(&mut self) -> Result<Vec<u64>, String> {
        let n = self.len()?;
        (0..n).map(|_| self.u64()).collect()
    }
    /// Checks that nothing is left over.
    pub fn end(&self) -> Result<(), String> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(format!("{} bytes left over", self.bytes.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_checkpoint_reads_back_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ck = dir_for(&dir.path().join("study"));
        assert!(ck.ends_with(".study.checkpoint"));
        assert!(load(&ck).unwrap().is_none());
        let saved = Saved {
            study: serde_json::json!({ "seed": 1 }),
            done: 512,
            runs_csv_len: 99,
            command_line: "simulate run s.toml".into(),
            state: vec![1, 2, 3, 250],
        };
        save(&ck, &saved).unwrap();
        assert_eq!(load(&ck).unwrap(), Some(saved.clone()));
        assert!(!ck.join("state.bin.tmp").exists());
        let mut bytes = fs::read(ck.join(STATE)).unwrap();
        bytes.truncate(20);
        fs::write(ck.join(STATE), &bytes).unwrap();
        let err = load(&ck).unwrap_err();
        assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
        remove(&ck).unwrap();
        assert!(!ck.exists());
    }

    #[test]
    fn states_read_back_exactly_and_truncation_is_refused() {
        let mut b = Bytes::default();
        b.u64(7);
        b.f64s(&[0.1, -0.0, f64::NAN, 1e300]);
        b.u64s(&[3, 4]);
        let mut r = Reader::new(&b.0);
        assert_eq!(r.u64().unwrap(), 7);
        let f = r.f64s().unwrap();
        assert_eq!(f[0].to_bits(), 0.1f64.to_bits());
        assert_eq!(f[1].to_bits(), (-0.0f64).to_bits());
        assert!(f[2].is_nan());
        assert_eq!(r.u64s().unwrap(), vec![3, 4]);
        r.end().unwrap();
        let mut r = Reader::new(&b.0[..30]);
        r.u64().unwrap();
        assert!(r.f64s().is_err());
        let mut huge = Bytes::default();
        huge.u64(u64::MAX);
        assert!(Reader::new(&huge.0).f64s().is_err());
    }
}
