//! `simulate schema` is generated from the loader's structs: every shipped scenario validates
//! against it, and a misspelt key does not.

use std::path::Path;

fn schema() -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("simulate")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn as_json(text: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(text).expect("TOML");
    serde_json::to_value(value).unwrap()
}

#[test]
fn every_shipped_scenario_validates_and_a_misspelt_key_does_not() {
    let validator = jsonschema::validator_for(&schema()).expect("a valid JSON Schema");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let doc = as_json(&std::fs::read_to_string(&p).unwrap());
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", p.display());
            n += 1;
        }
    }
    assert!(n >= 7, "{n} scenarios");
    for bad in [
        "[powers.US]\nbudgte = 0.5\n",
        "[ensembel]\nruns = 5\n",
        "name = 3\n",
        "[ensemble]\nwiden_by_confidence = \"yes\"\n",
    ] {
        assert!(!validator.is_valid(&as_json(bad)), "{bad}");
    }
}

#[test]
fn numbers_outside_their_allowed_range_do_not_validate() {
    let validator = jsonschema::validator_for(&schema()).expect("a valid JSON Schema");
    for (good, bad) in [
        ("[powers.US]\nbudget = 50\n", "[powers.US]\nbudget = 500\n"),
        (
            "[government]\nopinion_weight = { value = 0.4, source = \"x\", confidence = \"C\" }\n",
            "[government]\nopinion_weight = { value = 30, source = \"x\", confidence = \"C\" }\n",
        ),
        (
            "[government.initial_closeness]\nEU = { economy = 0.7 }\n",
            "[government.initial_closeness]\nEU = { economy = 1.7 }\n",
        ),
        ("[rivalry]\n\"US-CN\" = 1.5\n", "[rivalry]\n\"US-CN\" = 9\n"),
        (
            "[powers.US.mix]\ngrants = 0.5\n",
            "[powers.US.mix]\ngrants = 1.5\n",
        ),
        (
            "[accession]\ncredibility = 0.3\n",
            "[accession]\ncredibility = -1\n",
        ),
    ] {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(good))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{good}: {errors:?}");
        assert!(!validator.is_valid(&as_json(bad)), "{bad}");
    }
    // What the loader says about the same out-of-range number.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.toml");
    std::fs::write(&f, "[powers.US]\nbudget = 500\n").unwrap();
    let out = assert_cmd::Command::cargo_bin("simulate")
        .unwrap()
        .arg("check")
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
