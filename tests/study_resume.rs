//! Resume, Ctrl-C and shards of the studies (`sweep`, `sensitivity`, `discover`): a study
//! killed with SIGKILL continues from its checkpoint with `--resume` and writes the same
//! bytes as an uninterrupted one; Ctrl-C stops it with a message saying how to resume and no
//! staging folder; `--shard K/N` + `merge` writes the same bytes as the unsharded study.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("simulate")
}

fn scenario() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/baseline.toml")
        .display()
        .to_string()
}

/// The three studies, each 800 short runs (more than two chunks of 256, so a
/// checkpoint is written while it still runs).
fn studies() -> Vec<(&'static str, Vec<String>)> {
    let s = scenario();
    let v = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        (
            "sweep",
            v(&[
                "sweep",
                &s,
                "--param",
                "rivalry.US-CN.technology=0:2:5",
                "--runs",
                "160",
                "--year",
                "2027",
            ]),
        ),
        (
            "sensitivity",
            v(&[
                "sensitivity",
                &s,
                "--method",
                "sobol",
                "--param",
                "powers.US.budget=0.5:2",
                "--param",
                "accession.credibility=0.1:0.9",
                "--samples",
                "8",
                "--runs",
                "25",
                "--year",
                "2027",
            ]),
        ),
        (
            "discover",
            v(&[
                "discover",
                &s,
                "--outcome",
                "closeness.EU > 0.5",
                "--param",
                "powers.US.budget=0.5:2",
                "--param",
                "accession.credibility=0.1:0.9",
                "--samples",
                "40",
                "--runs",
                "20",
                "--year",
                "2027",
            ]),
        ),
    ]
}

fn study(dir: &Path, args: &[String], out: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(dir)
        .args(args)
        .args(["--seed", "5", "--format", "svg", "-q"])
        .args(["--out", out, "--checkpoint-every", "0"])
        .args(extra);
    c
}

fn ok(mut c: Command) {
    let out = c.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts the study and waits until its first checkpoint is on disk (while it still runs).
fn start_and_wait_for_checkpoint(dir: &Path, args: &[String], out: &str) -> Child {
    let mut child = study(dir, args, out, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let state = dir.join(format!(".{out}.checkpoint/state.bin"));
    let started = Instant::now();
    while !state.exists() {
        assert!(
            child.try_wait().expect("waits").is_none(),
            "the study ended before its first checkpoint: make it longer"
        );
        assert!(
            started.elapsed() < Duration::from_secs(180),
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

/// Every file of the two folders is the same, byte for byte; manifests apart from timings,
/// the command line and how the study was executed (resumed, merged).
fn assert_same_results(reference: &Path, other: &Path) {
    assert_eq!(files(reference), files(other));
    for f in files(reference) {
        let a = std::fs::read(reference.join(&f)).unwrap();
        let b = std::fs::read(other.join(&f)).unwrap();
        if f == "manifest.json" {
            let strip = |bytes: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                let m = v.as_object_mut().unwrap();
                for k in ["simulate_seconds", "command_line", "execution", "threads"] {
                    assert!(m.remove(k).is_some(), "manifest has {k}");
                }
                v
            };
            assert_eq!(strip(&a), strip(&b), "manifest.json of {}", other.display());
        } else {
            assert!(a == b, "{f} of {} differs", other.display());
        }
    }
}

#[test]
fn killed_studies_resume_to_the_same_bytes_and_ctrl_c_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, args) in studies() {
        let reference = format!("{name}-reference");
        ok(study(d, &args, &reference, &[]));
        let killed = format!("{name}-killed");
        let mut child = start_and_wait_for_checkpoint(d, &args, &killed);
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        assert!(!d.join(&killed).exists());
        ok(study(d, &args, &killed, &["--resume"]));
        assert!(
            !d.join(format!(".{killed}.checkpoint")).exists(),
            "checkpoint removed at the end"
        );
        assert_same_results(&d.join(&reference), &d.join(&killed));
        let manifest = std::fs::read_to_string(d.join(&killed).join("manifest.json")).unwrap();
        assert!(manifest.contains("\"resumed_at_run\": "), "{manifest}");
    }

    // Ctrl-C: a clean stop with a message, no staging folder, then the same bytes again.
    let (name, args) = &studies()[0];
    let stopped = format!("{name}-stopped");
    let child = start_and_wait_for_checkpoint(d, args, &stopped);
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
    assert!(
        !files(d).iter().any(|f| f.contains(".partial-")),
        "no staging left: {:?}",
        files(d)
    );
    assert!(!d.join(&stopped).exists());
    ok(study(d, args, &stopped, &["--resume"]));
    assert_same_results(&d.join(format!("{name}-reference")), &d.join(&stopped));

    // A resume of another study is refused and the checkpoint kept.
    let mut child = start_and_wait_for_checkpoint(d, args, "other");
    child.kill().unwrap();
    child.wait().unwrap();
    let out = study(
        d,
        args,
        "other",
        &["--resume", "--set", "powers.US.budget=0.9"],
    )
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("different study"), "{err}");
    assert!(d.join(".other.checkpoint/state.bin").exists());
}

#[test]
fn sharded_studies_merge_into_the_unsharded_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, args) in studies() {
        let whole = format!("{name}-whole");
        ok(study(d, &args, &whole, &[]));
        let shards: Vec<String> = (1..=3).map(|k| format!("{name}-shard{k}")).collect();
        for (k, sh) in shards.iter().enumerate() {
            let spec = format!("{}/3", k + 1);
            ok(study(d, &args, sh, &["--shard", &spec]));
            assert!(d.join(sh).join("partial.bin").exists());
        }
        // Given in any order.
        let merged = format!("{name}-merged");
        let mut c = Command::new(bin());
        c.current_dir(d)
            .args(["merge", &shards[2], &shards[0], &shards[1]])
            .args(["--out", &merged, "--format", "svg", "-q"]);
        ok(c);
        assert_same_results(&d.join(&whole), &d.join(&merged));

        let out = Command::new(bin())
            .current_dir(d)
            .args(["merge", &shards[0], &shards[2], "--out", "incomplete"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("missing 2/3"), "{err}");
        assert!(!d.join("incomplete").exists());
    }
}
