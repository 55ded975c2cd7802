//! The layers below the commands never reach up into them: `scenario`, `experiment`, `export`,
//! `plot`, `report`, `stats`, `data`, `shard` and `usage` stay usable without the binary's
//! plumbing, and command files share code only through `commands/common.rs`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_commands_and_calibrate_use_the_command_plumbing() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut checked = 0;
    for path in &files {
        let rel = path.strip_prefix(&src).expect("under src");
        let rel = rel.to_string_lossy().replace('\\', "/");
        // calibrate/mod.rs and calibrate/bayes.rs are the flows of `calibrate` and `backtest`
        // (point fit and posterior): commands that live beside their methods.
        let allowed = rel.starts_with("commands/")
            || rel == "calibrate/mod.rs"
            || rel == "calibrate/bayes.rs"
            // serve/ is the flow of `simulate serve` (the explorer behind its page).
            || rel.starts_with("serve/")
            || rel == "main.rs";
        let text = std::fs::read_to_string(path).expect("readable");
        if !allowed {
            assert!(
                !text.contains("crate::commands"),
                "{rel} imports the commands: move what it needs below them"
            );
            checked += 1;
        }
        assert!(!text.contains("crate::app"), "{rel}: app.rs is gone");
    }
    assert!(
        checked >= 40,
        "expected the library's files, found {checked}"
    );
}

#[test]
fn command_files_share_code_only_through_common() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .filter(|n| n != "mod" && n != "common")
        .collect();
    assert!(names.len() >= 6, "{names:?}");
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        for other in &names {
            assert!(
                !text.contains(&format!("super::{other}::")),
                "{} uses the command file {other}.rs",
                path.display()
            );
        }
    }
}
