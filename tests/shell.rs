//! Shell completions and the manual page come from the clap definition: every command and
//! option is in them.

use assert_cmd::Command;

fn stdout(args: &[&str]) -> String {
    let out = Command::cargo_bin("simulate")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const COMMANDS: [&str; 11] = [
    "run",
    "compare",
    "check",
    "describe",
    "explain",
    "merge",
    "calibrate",
    "backtest",
    "completions",
    "man",
    "schema",
];

#[test]
fn completions_name_every_command_and_new_options() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&["completions", shell]);
        for c in COMMANDS {
            assert!(script.contains(c), "{shell}: {c}");
        }
        assert!(script.contains("resume"), "{shell}");
        assert!(script.contains("force"), "{shell}");
    }
    let out = Command::cargo_bin("simulate")
        .unwrap()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_documents_every_command() {
    let page = stdout(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH simulate 1"),
        "{page}"
    );
    assert_eq!(page.matches(".TH ").count(), 1, "one page");
    for c in COMMANDS {
        assert!(
            page.contains(&format!(".SH \"SIMULATE {}\"", c.to_uppercase())),
            "{c}"
        );
    }
    assert!(
        page.contains("\\-\\-checkpoint\\-every"),
        "options are listed"
    );
}
