//! Resume: a study killed mid-way (SIGKILL) or stopped with Ctrl-C (SIGINT) continues from
//! its checkpoint with `--resume` and writes the same bytes as an uninterrupted run; Ctrl-C
//! leaves no staging folder and says how to resume.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: &str = "1500";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("simulate")
}

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml")
}

fn study(dir: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(dir)
        .arg("run")
        .arg(scenario())
        .args([
            "--runs",
            RUNS,
            "--seed",
            "3",
            "--keep-runs",
            "--format",
            "svg",
        ])
        .args(["--out", "study", "-q", "--checkpoint-every", "0"])
        .args(extra);
    c
}

/// Starts the study and waits until its first checkpoint is on disk (while it still runs).
fn start_and_wait_for_checkpoint(dir: &Path) -> Child {
    let mut child = study(dir, &[])
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let state = dir.join(".study.checkpoint/state.bin");
    let started = Instant::now();
    while !state.exists() {
        assert!(
            child.try_wait().expect("waits").is_none(),
            "the study ended before its first checkpoint: make it longer"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// Every file of the two folders is the same, byte for byte; manifests apart from timings and
/// the note of where the study resumed.
fn assert_same_results(reference: &Path, resumed: &Path) {
    assert_eq!(files(reference), files(resumed));
    for f in files(reference) {
        let a = std::fs::read(reference.join(&f)).unwrap();
        let b = std::fs::read(resumed.join(&f)).unwrap();
        if f == "manifest.json" {
            let strip = |bytes: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                for k in ["wall_seconds", "plot_seconds"] {
                    v.as_object_mut().unwrap().remove(k);
                }
                let extra = v["extra"].as_object_mut().unwrap();
                extra.remove("simulate_seconds");
                extra.remove("resumed_at_run");
                v
            };
            assert_eq!(strip(&a), strip(&b), "manifest.json");
        } else {
            assert!(a == b, "{f} differs after resuming");
        }
    }
}

fn resume(dir: &Path) {
    let out = study(dir, &["--resume"]).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.join(".study.checkpoint").exists(),
        "checkpoint removed at the end"
    );
}

#[test]
fn a_killed_or_interrupted_study_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = study(d, &[]).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(d.join("study"), d.join("reference")).unwrap();
    assert_eq!(
        files(d),
        ["reference"],
        "no checkpoint left by a finished study"
    );

    // kill -9: nothing runs after it, the checkpoint is whatever was last renamed into place.
    let mut child = start_and_wait_for_checkpoint(d);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    assert!(!d.join("study").exists());
    resume(d);
    assert_same_results(&d.join("reference"), &d.join("study"));

    // Ctrl-C: a clean stop with a message, no staging folder, then the same bytes again.
    std::fs::remove_dir_all(d.join("study")).unwrap();
    let child = start_and_wait_for_checkpoint(d);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted after"), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert_eq!(
        files(d),
        [".study.checkpoint", "reference"],
        "no staging left"
    );
    resume(d);
    assert_same_results(&d.join("reference"), &d.join("study"));
}

#[test]
fn resume_needs_a_checkpoint_of_the_same_study() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = study(d, &["--resume"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nothing to resume"), "{err}");

    let mut child = start_and_wait_for_checkpoint(d);
    child.kill().unwrap();
    child.wait().unwrap();
    let out = study(d, &["--resume", "--set", "powers.US.budget=0.5"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("different study"), "{err}");
    assert!(
        d.join(".study.checkpoint/state.bin").exists(),
        "kept for a proper resume"
    );
}
