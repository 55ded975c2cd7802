//! The explorer and the report in a real browser: headless Chromium driven through
//! chromedriver (WebDriver). The explorer page loads with no console error, moving a slider
//! changes the chart, a bad value shows the loader's message, and "save as scenario" writes a
//! file that reproduces the figures. The report renders with its Findings first, with no
//! console error and no request to anything but itself.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them when it runs as
//! root). Without chromedriver the tests say so and pass; with it they run. Set
//! `SIMULATE_SCREENSHOT=FILE.png` to keep a screenshot of the explorer.

#[path = "support/explorer.rs"]
mod explorer;

use explorer::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver on the PATH (or where Debian puts it).
fn chromedriver() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join("chromedriver"))
        .chain([PathBuf::from("/usr/bin/chromedriver")]);
    candidates.into_iter().find(|p| p.is_file())
}

/// chromium next to it, if any (chromedriver finds it itself otherwise).
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A chromedriver process; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(bin: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let until = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver { child, port }
}

/// A headless Chromium session: a fresh profile, no background connections, and every host
/// name but 127.0.0.1 unresolvable (so that a request elsewhere shows as an error).
async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        "--window-size=1500,1100".into(),
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.push("--disable-features=Translate,OptimizationHints,MediaRouter".into());
    let mut options = json!({ "args": args });
    if let Some(bin) = chromium() {
        options["binary"] = json!(bin.display().to_string());
    }
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": options,
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}/", driver.port))
        .await
        .expect("a Chromium session")
}

/// chromedriver's log of the browser console (`goog:loggingPrefs`), read and emptied.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// Console messages of level SEVERE (errors) since the last call.
async fn console_errors(c: &Client) -> Vec<String> {
    let log = c.issue_cmd(BrowserLog).await.expect("the browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits until `script` (a JS expression) is truthy; returns its value.
async fn wait_for(c: &Client, script: &str, what: &str) -> Value {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let v = c
            .execute(&format!("return {script};"), vec![])
            .await
            .unwrap();
        let truthy =
            !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
        if truthy {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn attr(c: &Client, css: &str, name: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .attr(name)
        .await
        .unwrap()
        .unwrap_or_default()
}

fn skip() -> bool {
    if chromedriver().is_none() {
        eprintln!(
            "SKIPPED: chromedriver not found; install Debian's chromium and chromium-driver \
             (`apt-get install -y chromium chromium-driver`, as .ci/run does) to run the \
             browser tests"
        );
        return true;
    }
    false
}

#[tokio::test(flavor = "current_thread")]
async fn the_explorer_loads_redraws_on_a_slider_and_saves_a_scenario_that_reproduces_it() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scen = scenario(dir.path());
    let out = dir.path().join("saved");
    let server = start(&scen, &out);
    let driver = start_driver(&chromedriver().unwrap());
    let c = browser(&driver, &dir.path().join("profile")).await;
    let base = format!("http://127.0.0.1:{}/", server.port);

    c.goto(&base).await.unwrap();
    wait_for(
        &c,
        "document.getElementById('status').dataset.seq",
        "the first figures",
    )
    .await;
    assert_eq!(c.title().await.unwrap(), "explore_me — simulate explorer");
    let first = c
        .find(Locator::Id("chart-closeness"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    assert!(first.contains("<svg"), "the closeness chart is drawn");
    let sliders = c.find_all(Locator::Css("input[type=range]")).await.unwrap();
    assert!(sliders.len() > 10, "{} sliders", sliders.len());
    let tip = attr(&c, ".slider[data-path='powers.US.budget']", "title").await;
    assert!(
        tip.contains("unit: % of GDP per year")
            && tip.contains("source: ")
            && tip.contains("0.1 to 1.5"),
        "{tip}"
    );
    let errors = console_errors(&c).await;
    assert!(errors.is_empty(), "console errors on load: {errors:?}");

    // Move the US budget slider with the keyboard, as a user would; wait for the full redraw.
    let seq: u64 = attr(&c, "#status", "data-seq").await.parse().unwrap();
    let slider = c
        .find(Locator::Css(
            "input[type=range][data-path='powers.US.budget']",
        ))
        .await
        .unwrap();
    slider.click().await.unwrap();
    let moved = Instant::now();
    slider.send_keys(&"\u{E014}".repeat(20)).await.unwrap(); // ArrowRight
    let done = format!(
        "(() => {{ const s = document.getElementById('status').dataset; \
         return Number(s.seq) > {seq} && s.quick === 'false' && s.changes === '1' \
         && s.busy === '0' && document.querySelector('.slider.changed') !== null; }})()"
    );
    wait_for(&c, &done, "the redraw after the slider moved").await;
    // Let any queued request finish, then read what is shown.
    tokio::time::sleep(Duration::from_millis(300)).await;
    wait_for(&c, &done, "the last redraw").await;
    eprintln!(
        "slider moved to full redraw: {:.2} s",
        moved.elapsed().as_secs_f64()
    );
    let second = c
        .find(Locator::Id("chart-closeness"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    assert_ne!(first, second, "moving the slider changed the chart");
    let errors = console_errors(&c).await;
    assert!(
        errors.is_empty(),
        "console errors after the slider: {errors:?}"
    );

    if let Some(path) = std::env::var_os("SIMULATE_SCREENSHOT") {
        std::fs::write(path, c.screenshot().await.unwrap()).unwrap();
    }

    // Save as scenario; running the file gives the summary the page was drawn from.
    let shown = attr(&c, "#status", "data-summary-sha256").await;
    c.find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = wait_for(
        &c,
        "document.getElementById('saved').dataset.file",
        "the saved file",
    )
    .await;
    let file = PathBuf::from(file.as_str().unwrap());
    assert!(
        file.starts_with(&out),
        "{} is in the output folder",
        file.display()
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("powers.US.budget = "), "{text}");
    assert_eq!(summary_sha_of_run(&file, &dir.path().join("reran")), shown);

    // A bad value typed in the box: the loader's message on the page, the page still works.
    let boxed = c
        .find(Locator::Css(
            "input[type=text][data-path='powers.US.budget']",
        ))
        .await
        .unwrap();
    boxed.clear().await.unwrap();
    boxed.send_keys("-1\u{E004}").await.unwrap(); // Tab: a change event
    let shown_error = wait_for(
        &c,
        "(() => { const e = document.getElementById('error'); return e.style.display === 'block' && e.textContent.includes('budget = -1') && e.textContent; })()",
        "the error message",
    )
    .await;
    assert!(
        shown_error
            .as_str()
            .unwrap()
            .contains("powers.US.budget = -1 is out of range: allowed 0 to 100"),
        "{shown_error}"
    );
    // The one console line a refused request leaves is the 400 itself.
    for e in console_errors(&c).await {
        assert!(e.contains("400"), "unexpected console error: {e}");
    }

    // Reset: back to the scenario as written, the same figures as at first.
    c.find(Locator::Id("reset"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &c,
        "(() => { const s = document.getElementById('status').dataset; return s.changes === '0' && s.quick === 'false' && s.busy === '0' && document.getElementById('error').style.display === 'none'; })()",
        "the reset",
    )
    .await;
    let reset = c
        .find(Locator::Id("chart-closeness"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    assert_eq!(first, reset, "reset gives the first figures back");
    // The console check itself works: an error written to the console is seen.
    c.execute("console.error('probe of the console check');", vec![])
        .await
        .unwrap();
    let seen = console_errors(&c).await;
    assert!(
        seen.iter()
            .any(|e| e.contains("probe of the console check")),
        "{seen:?}"
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn the_report_renders_findings_first_with_no_console_error_and_no_external_request() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scen = scenario(dir.path());
    let out = dir.path().join("run");
    let base = root().join("scenarios").join("baseline.toml");
    let status = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .arg("run")
        .arg(&scen)
        .arg("--against")
        .arg(&base)
        .args(["--quiet", "--out"])
        .arg(&out)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success());
    let driver = start_driver(&chromedriver().unwrap());
    let c = browser(&driver, &dir.path().join("profile")).await;
    let url = url::Url::from_file_path(out.join("report.html")).unwrap();
    c.goto(url.as_str()).await.unwrap();
    wait_for(&c, "document.readyState === 'complete'", "the report").await;
    let first_h2 = c
        .execute("return document.querySelector('h2').textContent;", vec![])
        .await
        .unwrap();
    assert_eq!(first_h2, "Findings");
    let findings = c
        .execute(
            "return Array.from(document.querySelectorAll('#findings li')).map(li => li.textContent);",
            vec![],
        )
        .await
        .unwrap();
    assert!(findings.as_array().unwrap().len() >= 4, "{findings}");
    // Every figure a finding links to is in the page.
    let broken = c
        .execute(
            "return Array.from(document.querySelectorAll('#findings a[href^=\"#\"]')).map(a => a.getAttribute('href')).filter(h => !document.getElementById(h.slice(1)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(broken, json!([]), "findings link to missing figures");
    let svgs = c
        .execute(
            "return document.querySelectorAll('figure svg').length;",
            vec![],
        )
        .await
        .unwrap();
    assert!(svgs.as_u64().unwrap() >= 5, "{svgs} figures rendered");
    let external = c
        .execute(
            "return performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith('data:') && !n.startsWith('file:'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(external, json!([]), "the report requested something");
    let errors = console_errors(&c).await;
    assert!(
        errors.is_empty(),
        "console errors in the report: {errors:?}"
    );
    c.close().await.unwrap();
}
