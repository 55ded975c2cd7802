//! `simulate serve` over HTTP: every endpoint, good and bad input, limits, and that a saved
//! scenario reproduces what the page showed. One server per test file section keeps the
//! suite fast (the first load runs the history of the start state once).

#[path = "support/explorer.rs"]
mod explorer;

use explorer::*;
use serde_json::json;
use std::process::Command;

#[test]
fn every_endpoint_answers_and_bad_input_is_refused_with_the_cli_message() {
    let dir = tempfile::tempdir().unwrap();
    let scen = scenario(dir.path());
    let out = dir.path().join("saved");
    let server = start(&scen, &out);
    let port = server.port;

    // The page: self-contained, nothing fetched from elsewhere.
    let page = get(port, "/");
    assert_eq!(page.status, 200);
    assert!(page.headers.contains("text/html"));
    let html = page.text();
    assert!(html.contains("Save as scenario") && html.contains("Reset"));
    for external in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "src=\"//",
    ] {
        assert!(!html.contains(external), "the page loads {external}");
    }
    assert!(page.headers.contains("Content-Security-Policy"));

    // The controls: uncertain numbers with their provenance, then [explore].
    let info = get(port, "/api/scenario").json();
    assert_eq!(info["name"], "explore_me");
    assert_eq!(info["runs"], FULL_RUNS);
    assert_eq!(info["quick_runs"], QUICK_RUNS);
    let sliders = info["sliders"].as_array().unwrap();
    let budget = sliders
        .iter()
        .find(|k| k["path"] == "powers.US.budget")
        .expect("the [explore] budget");
    assert_eq!(
        (budget["min"].as_f64(), budget["max"].as_f64()),
        (Some(0.1), Some(1.5))
    );
    assert_eq!(budget["unit"], "% of GDP per year");
    assert!(budget["source"].as_str().unwrap().contains("USAID"));
    let tech = sliders
        .iter()
        .find(|k| k["path"] == "rivalry.US-CN.technology")
        .expect("the [explore] rivalry");
    assert_eq!(tech["group"], "explore");
    let credibility = sliders
        .iter()
        .find(|k| k["path"] == "accession.credibility")
        .expect("an uncertain number");
    assert_eq!(credibility["group"], "uncertain");
    assert!(credibility["dist"].as_str().unwrap().starts_with("uniform"));
    for k in sliders {
        assert!(k["min"].as_f64() < k["max"].as_f64(), "{k}");
    }

    // Quick and full ensembles; a change changes the chart; the power of the drivers.
    let quick = post(port, "/api/run", &json!({"quick": true})).json();
    assert_eq!(quick["ok"], true, "{quick}");
    assert_eq!(quick["runs"], QUICK_RUNS);
    let full = post(port, "/api/run", &json!({})).json();
    assert_eq!(full["runs"], FULL_RUNS);
    for chart in ["closeness", "domains", "leeway", "drivers"] {
        assert!(
            full["charts"][chart].as_str().unwrap().starts_with("<svg"),
            "{chart}"
        );
    }
    let changed = post(
        port,
        "/api/run",
        &json!({"set": {"powers.US.budget": "1.2"}, "power": "RU"}),
    )
    .json();
    assert_eq!(changed["power"], "RU");
    assert!(
        changed["charts"]["drivers"]
            .as_str()
            .unwrap()
            .contains("Russia")
    );
    assert_ne!(full["charts"]["closeness"], changed["charts"]["closeness"]);
    assert_ne!(full["summary_sha256"], changed["summary_sha256"]);
    let us = |v: &serde_json::Value| {
        v["table"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["power"] == "US")
            .unwrap()["p50"]
            .as_f64()
            .unwrap()
    };
    assert!(
        us(&changed) > us(&full),
        "three times the US budget brings it closer"
    );

    // A bad value: the message the command line gives for the same --set.
    let bad = post(
        port,
        "/api/run",
        &json!({"set": {"powers.US.budget": "-1"}}),
    );
    assert_eq!(bad.status, 400);
    let message = bad.json()["error"].as_str().unwrap().to_string();
    let cli = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .arg("check")
        .arg(&scen)
        .args(["--set", "powers.US.budget=-1"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(2));
    assert_eq!(message.trim(), String::from_utf8_lossy(&cli.stderr).trim());
    assert!(
        message.contains("out of range: allowed 0 to 100"),
        "{message}"
    );

    for (body, needle) in [
        (json!({"set": {"powers.XX.budget": "1"}}), "XX"),
        (
            json!({"set": {"powers.US.budget": "lots"}}),
            "powers.US.budget",
        ),
        (json!({"set": {"a\nb": "1"}}), "not a parameter path"),
        (json!({"set": {"powers.US.budget": "1\n[x]"}}), "one line"),
        (json!({"set": {"powers.US.budget": [1]}}), "number or text"),
        (json!({"power": "XX"}), "allowed EU, US, RU, CN"),
        (json!({"quick": "yes"}), "true or false"),
        (json!({"runs": 5}), "unknown field"),
        (json!([1, 2]), "JSON object"),
    ] {
        let r = post(port, "/api/run", &body);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert!(
            r.json()["error"].as_str().unwrap().contains(needle),
            "{body}: {}",
            r.text()
        );
        if body.get("power").is_none() {
            let r = post(port, "/api/save", &body);
            assert_eq!(r.status, 400, "save {body}: {}", r.text());
        }
    }
    let r = request(port, "POST", "/api/run", "{not json");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not valid JSON"));

    // Limits, methods, unknown paths, other hosts.
    let big = format!("{{\"set\": {{\"x\": \"{}\"}}}}", "a".repeat(70 * 1024));
    assert_eq!(request(port, "POST", "/api/run", &big).status, 413);
    let long = format!("/{}", "a".repeat(3000));
    assert_eq!(get(port, &long).status, 414);
    assert_eq!(get(port, "/api/run").status, 405);
    assert_eq!(request(port, "DELETE", "/", "").status, 405);
    assert_eq!(get(port, "/nothing").status, 404);
    assert_eq!(get(port, "/../../etc/passwd").status, 404);
    let other = raw(
        port,
        b"GET / HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(other.status, 421);
    let no_host = raw(port, b"GET / HTTP/1.0\r\n\r\n");
    assert_ne!(no_host.status, 200);
    let garbage = raw(port, b"\x00\x01\x02 nonsense\r\n\r\n");
    assert!(garbage.status >= 400);

    // Nothing was written by all that, and the server is still up.
    assert!(!out.exists(), "only a save writes");
    assert_eq!(get(port, "/").status, 200);

    // Save: a file that extends the scenario with exactly the changes, and reproduces them.
    let set = json!({"powers.US.budget": "1.2", "accession.credibility": "0.7"});
    let page_run = post(port, "/api/run", &json!({"set": set})).json();
    let saved = post(port, "/api/save", &json!({"set": set})).json();
    assert_eq!(saved["ok"], true, "{saved}");
    let file = std::path::PathBuf::from(saved["file"].as_str().unwrap());
    assert_eq!(file.parent().unwrap(), out.as_path());
    let text = std::fs::read_to_string(&file).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort();
    assert_eq!(keys, ["accession", "extends", "name", "powers"], "{text}");
    assert_eq!(table["powers"]["US"]["budget"].as_float(), Some(1.2));
    assert_eq!(table["accession"]["credibility"].as_float(), Some(0.7));
    assert_eq!(table["powers"].as_table().unwrap().len(), 1);
    let reran = summary_sha_of_run(&file, &dir.path().join("reran"));
    assert_eq!(page_run["summary_sha256"].as_str().unwrap(), reran);

    // A second save takes a new name; the first file is left as it was.
    let again = post(port, "/api/save", &json!({"set": {}})).json();
    assert_ne!(again["file"], saved["file"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    let unchanged = std::path::PathBuf::from(again["file"].as_str().unwrap());
    let reran = summary_sha_of_run(&unchanged, &dir.path().join("reran0"));
    assert_eq!(full["summary_sha256"].as_str().unwrap(), reran);
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["explore_me-explore-1.toml", "explore_me-explore-2.toml"]
    );
}

#[test]
fn a_bad_explore_table_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let parent = root().join("scenarios").join("baseline.toml");
    for (table, needle) in [
        ("params = [\"powers.ZZ.budget\"]", "ZZ"),
        ("params = [\"powers.US.budget=2:1\"]", "LO < HI"),
        (
            "params = [\"powers.US.budget=-1:1\"]",
            "outside what the parameter allows",
        ),
        ("params = \"powers.US.budget\"", "list of strings"),
        ("sliders = []", "unknown key"),
    ] {
        let path = dir.path().join("bad.toml");
        std::fs::write(
            &path,
            format!(
                "extends = {:?}\n[explore]\n{table}\n",
                parent.display().to_string()
            ),
        )
        .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_simulate"))
            .arg("serve")
            .arg(&path)
            .args(["--port", "0"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{table}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(needle) && err.contains("[explore]"),
            "{table}: {err}"
        );
    }
}
