//! Hostile input: scenario names that would point outside the output folder, `--out` folders
//! of other files, files that are not regular files or too large, endless `extends` chains.
//! Each is refused with exit code 2 and a message naming the file, line, key and what is
//! allowed, and writes nothing.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn simulate() -> Command {
    Command::cargo_bin("simulate").expect("binary builds")
}

/// Every file below `dir`, as paths relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn stderr_of(cmd: &mut Command) -> (Option<i32>, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn scenario_names_that_leave_the_output_folder_are_refused() {
    for bad in ["../../escape", "/some/folder", ".hidden", "a b", "x/y"] {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("a").join("b");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("s.toml"), format!("name = {bad:?}\n")).unwrap();
        let (code, err) = stderr_of(
            simulate()
                .current_dir(&work)
                .args(["run", "s.toml", "--runs", "3", "-q"]),
        );
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(err.contains("s.toml:1:8"), "{bad}: {err}");
        assert!(err.contains("name = "), "{err}");
        assert!(
            err.contains("allowed 1 to 100 letters, digits, '_', '-' and '.'"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(files(dir.path()), vec!["a/b/s.toml".to_string()], "{bad}");
    }
}

#[test]
fn a_file_name_outside_the_safe_set_gives_a_safe_default_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my plan (v2).toml"), "").unwrap();
    simulate()
        .current_dir(dir.path())
        .args([
            "run",
            "my plan (v2).toml",
            "--runs",
            "3",
            "-q",
            "--format",
            "svg",
        ])
        .assert()
        .success();
    assert!(
        dir.path()
            .join("output/my_plan__v2_/manifest.json")
            .is_file()
    );
}

#[test]
fn out_folder_of_other_files_is_refused_and_force_replaces_only_our_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("papers");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("summary.csv"), "mine too").unwrap();
    let run = |force: bool| {
        let mut c = simulate();
        c.arg("run")
            .arg(scenario("baseline.toml"))
            .args(["--runs", "4", "-q", "--format", "svg", "--out"])
            .arg(&out);
        if force {
            c.arg("--force");
        }
        stderr_of(&mut c)
    };
    let (code, err) = run(false);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(files(&out), vec!["notes.txt", "summary.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        "mine too"
    );
    // No staging folder is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let (code, err) = run(true);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(
        std::fs::read_to_string(out.join("summary.csv"))
            .unwrap()
            .starts_with("year,measure,")
    );
    // Now an earlier result: a second run needs no --force and still keeps the notes.
    let (code, err) = run(false);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn rerun_removes_its_own_stale_files_and_keeps_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let run = |formats: &str| {
        simulate()
            .arg("run")
            .arg(scenario("baseline.toml"))
            .args(["--runs", "4", "-q", "--format", formats, "--out"])
            .arg(&out)
            .assert()
            .success();
    };
    run("png");
    assert!(out.join("closeness.png").is_file());
    std::fs::write(out.join("README.md"), "about this study").unwrap();
    std::fs::write(out.join("extra.csv"), "a table of mine").unwrap();
    run("svg");
    assert!(
        !out.join("closeness.png").exists(),
        "stale figure of the earlier run"
    );
    assert!(out.join("closeness.svg").is_file());
    assert_eq!(
        std::fs::read_to_string(out.join("README.md")).unwrap(),
        "about this study"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("extra.csv")).unwrap(),
        "a table of mine"
    );
}

#[test]
fn default_output_with_shard_folders_is_an_earlier_result() {
    let dir = tempfile::tempdir().unwrap();
    for k in 1..=2 {
        simulate()
            .current_dir(dir.path())
            .arg("run")
            .arg(scenario("baseline.toml"))
            .args(["--runs", "6", "-q", "--format", "svg", "--shard"])
            .arg(format!("{k}/2"))
            .assert()
            .success();
    }
    let base = dir.path().join("output/baseline");
    simulate()
        .current_dir(dir.path())
        .arg("merge")
        .arg(base.join("shard-1-of-2"))
        .arg(base.join("shard-2-of-2"))
        .args(["-q", "--format", "svg"])
        .assert()
        .success();
    assert!(base.join("manifest.json").is_file());
    assert!(base.join("shard-2-of-2/partial.bin").is_file());
}

#[test]
fn extends_dev_zero_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("z.toml"), "extends = \"/dev/zero\"\n").unwrap();
    let started = Instant::now();
    let (code, err) = stderr_of(
        simulate()
            .current_dir(dir.path())
            .args(["check", "z.toml"])
            .timeout(Duration::from_secs(20)),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("z.toml:1:11"), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[cfg(unix)]
#[test]
fn a_pipe_as_scenario_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here: nothing to test
    }
    for args in [vec!["check", "pipe.toml"], vec!["check", "s.toml"]] {
        std::fs::write(dir.path().join("s.toml"), "extends = \"pipe.toml\"\n").unwrap();
        let (code, err) = stderr_of(
            simulate()
                .current_dir(dir.path())
                .args(&args)
                .timeout(Duration::from_secs(20)),
        );
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[test]
fn oversized_scenarios_and_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::from("name = \"big\"\n");
    while big.len() <= 4 << 20 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(dir.path().join("big.toml"), &big).unwrap();
    std::fs::write(dir.path().join("child.toml"), "extends = \"big.toml\"\n").unwrap();
    std::fs::create_dir(dir.path().join("folder.toml")).unwrap();
    for (file, wanted) in [
        ("big.toml", "above the limit of 4 MiB"),
        ("child.toml", "above the limit of 4 MiB"),
        ("folder.toml", "it is a folder, not a regular file"),
    ] {
        let (code, err) = stderr_of(simulate().current_dir(dir.path()).args(["check", file]));
        assert_eq!(code, Some(2), "{file}: {err}");
        assert!(err.contains(wanted), "{file}: {err}");
    }
}

#[test]
fn extends_chains_deeper_than_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let depth = simulate::limits::EXTENDS_DEPTH;
    let write_chain = |n: usize| {
        for i in 1..n {
            std::fs::write(
                dir.path().join(format!("c{i}.toml")),
                format!("extends = \"c{}.toml\"\n", i + 1),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join(format!("c{n}.toml")), "name = \"deep\"\n").unwrap();
    };
    write_chain(depth);
    simulate()
        .current_dir(dir.path())
        .args(["check", "c1.toml"])
        .assert()
        .success();
    write_chain(depth + 1);
    let (code, err) = stderr_of(
        simulate()
            .current_dir(dir.path())
            .args(["check", "c1.toml"]),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("c{depth}.toml:1:11")), "{err}");
    assert!(err.contains("extends"), "{err}");
    assert!(err.contains("allowed at most 15 ancestors"), "{err}");
}

#[test]
fn observed_data_that_is_not_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(simulate::data::DEFAULT_DIR);
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    assert!(simulate::data::ObservedData::load(dir.path()).is_ok());
    std::fs::remove_file(dir.path().join("polls.csv")).unwrap();
    std::fs::create_dir(dir.path().join("polls.csv")).unwrap();
    let err = simulate::data::ObservedData::load(dir.path()).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("polls.csv"), "{text}");
    assert!(text.contains("not a regular file"), "{text}");
    assert!(err.downcast_ref::<simulate::usage::UsageError>().is_some());
}
