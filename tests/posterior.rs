//! Posterior calibration through the binary: `calibrate --posterior` writes a posterior
//! scenario whose runs draw whole particles, the same bytes whatever the thread count;
//! `run --bands decomposed` reads it; the `particles` distribution draws rows jointly and
//! refuses bad files with the file, key and what is allowed.
#![allow(clippy::result_large_err)]

use assert_cmd::Command;
use simulate::scenario::{Dist, load, load_str};
use std::path::Path;

const SMALL: &str = r#"
[years]
start = 2010
end = 2016

[ensemble]
widen_by_confidence = false

[population]
citizens = 200

[polls]
respondents = 200

[alignment.agenda]
2010 = { RU = 0.05, CN = 0.05, other = 0.9 }
2013 = { RU = 0.4, CN = 0.05, other = 0.55 }

[calibration]
data = "obs"
particles = 24
generations = 3
posterior_runs = 2
predictive_runs = 12

[calibration.targets]
isac_alignment = 1.0

[calibration.free]
"alignment.kappa0" = { min = -3.0, max = 3.0 }
"alignment.kappa1" = { min = 1.0, max = 10.0 }
"#;

fn simulate(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("simulate").unwrap();
    c.current_dir(dir);
    c
}

fn write_observed(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut a = String::from("year,alignment_pct,series,period,n_aligned,n_total,source,note\n");
    for (year, pct) in [(2011, 80.0), (2013, 70.0), (2015, 62.0)] {
        a.push_str(&format!("{year},{pct},ISAC_calendar_year,{year},,,test,\n"));
    }
    std::fs::write(dir.join("cfsp_alignment.csv"), a).unwrap();
    for (file, header) in [
        (
            "polls.csv",
            "year,fieldwork,pollster,question,country,value_pct,source,note",
        ),
        (
            "economy.csv",
            "year,period,indicator,partner,value,unit,source,note",
        ),
        (
            "security.csv",
            "year,period,indicator,counterpart,value,unit,source,note",
        ),
        ("events.csv", "date,actor,kind,description,source,note"),
        (
            "unga_vote_agreement.csv",
            "year,partner,agreement_pct,n_joint_votes,source,note",
        ),
    ] {
        std::fs::write(dir.join(file), format!("{header}\n")).unwrap();
    }
}

#[test]
fn posterior_calibration_writes_a_scenario_that_draws_particles_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    write_observed(&dir.path().join("obs"));
    std::fs::write(dir.path().join("tiny.toml"), SMALL).unwrap();
    for (threads, out) in [("1", "a"), ("2", "b")] {
        simulate(dir.path())
            .args([
                "calibrate",
                "tiny.toml",
                "--posterior",
                "--threads",
                threads,
                "--out",
                out,
                "--format",
                "svg",
                "--quiet",
            ])
            .assert()
            .success();
    }
    let a = dir.path().join("a");
    for f in [
        "posterior.csv",
        "posterior.toml",
        "generations.csv",
        "posterior_summary.csv",
        "posterior_marginals.svg",
        "posterior_pairs.svg",
        "posterior_isac_alignment.svg",
        "manifest.json",
    ] {
        assert!(a.join(f).exists(), "{f} missing");
    }
    for f in ["posterior.csv", "posterior_summary.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(dir.path().join("b").join(f)).unwrap(),
            "{f} depends on the thread count"
        );
    }
    let post = load(&a.join("posterior.toml"), &[]).unwrap();
    let drawn = post
        .uncertain
        .iter()
        .filter(|u| matches!(u.dist, Dist::Particles { .. }))
        .count();
    assert_eq!(drawn, 2);
    // One run draws one whole particle: kappa0 and kappa1 come from the same row.
    let set = &post.particles[0];
    let (c0, c1) = (
        set.column("alignment.kappa0").unwrap(),
        set.column("alignment.kappa1").unwrap(),
    );
    for seed in 0..20u64 {
        let p = post.sample(seed);
        let (k0, k1) = (p.spec().alignment.kappa0, p.spec().alignment.kappa1);
        assert!(
            set.rows
                .iter()
                .any(|r| r[c0].to_bits() == k0.to_bits() && r[c1].to_bits() == k1.to_bits()),
            "({k0}, {k1}) is not a particle"
        );
    }
    simulate(dir.path())
        .args([
            "run",
            "a/posterior.toml",
            "--runs",
            "16",
            "--bands",
            "decomposed",
            "--out",
            "r",
            "--format",
            "svg",
            "--quiet",
        ])
        .assert()
        .success();
    let bands = std::fs::read_to_string(dir.path().join("r/bands.csv")).unwrap();
    assert!(bands.starts_with(
        "year,measure,power,domain,run_noise_sd,parameter_sd,discrepancy_sd,dominant\n"
    ));
    assert!(
        bands.lines().any(|l| l.starts_with("2016,alignment,,")),
        "{bands}"
    );
    assert!(dir.path().join("r/bands.svg").exists());
}

#[test]
fn bands_decomposed_needs_a_posterior_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tiny.toml"), SMALL).unwrap();
    simulate(dir.path())
        .args(["run", "tiny.toml", "--bands", "decomposed", "--out", "r"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "calibrate <scenario> --posterior",
        ));
    assert!(!dir.path().join("r").exists(), "nothing written");
}

#[test]
fn particle_files_are_checked_with_the_file_key_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.csv"),
        "weight,alignment.kappa0,k\n1,0.5,99\n3,-0.5,1\n",
    )
    .unwrap();
    let cases = [
        (
            r#"alignment.kappa0 = { dist = "particles", file = "p.csv", column = "nope" }"#,
            "no column `nope`",
        ),
        (
            r#"alignment.kappa0 = { dist = "particles", file = "missing.csv" }"#,
            "cannot read",
        ),
        (
            r#"state.opinion_weight = { dist = "particles", file = "p.csv", column = "k" }"#,
            "within the parameter's allowed range",
        ),
        (
            r#"alignment.kappa0 = { dist = "particles", file = "p.csv", min = 1 }"#,
            "not a parameter of a particles distribution",
        ),
        (
            r#"alignment.kappa0 = { dist = "particles" }"#,
            "needs `file",
        ),
    ];
    for (text, want) in cases {
        let e = load_str(text, "t.toml", dir.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{text}: {e}");
        assert!(e.contains("t.toml:1:"), "{e}");
    }
    // Good: the column's weighted mean is the central value; draws are the rows.
    let s = load_str(
        r#"alignment.kappa0 = { dist = "particles", file = "p.csv" }"#,
        "t.toml",
        dir.path(),
        &[],
    )
    .unwrap();
    assert!((s.base.spec().alignment.kappa0 - (-0.25)).abs() < 1e-12);
    assert!(s.resolved_toml.contains("dist = \"particles\""));
}
