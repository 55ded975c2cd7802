//! Shared by tests/serve.rs and tests/browser.rs: a scenario to explore, a `simulate serve`
//! process on a free port, and a raw HTTP/1.1 client (so that malformed and oversized
//! requests can be sent as they are).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Runs of the full ensemble of the test scenario, and of the quick one.
pub const FULL_RUNS: usize = 40;
pub const QUICK_RUNS: usize = 10;

/// The project's folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `explore_me.toml` into `dir`: `us_pressure` with a small ensemble and an
/// `[explore]` table.
pub fn scenario(dir: &Path) -> PathBuf {
    let parent = root().join("scenarios").join("us_pressure.toml");
    let text = format!(
        "extends = {}\nname = \"explore_me\"\n[ensemble]\nruns = {FULL_RUNS}\n\
         [explore]\nparams = [\"powers.US.budget=0.1:1.5\", \"rivalry.US-CN.technology\"]\n",
        toml_string(&parent.display().to_string())
    );
    let path = dir.join("explore_me.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A `simulate serve` process; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub out: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `simulate serve SCENARIO --port 0 --out OUT` and waits for its address line.
pub fn start(scenario: &Path, out: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .arg("serve")
        .arg(scenario)
        .args(["--port", "0", "--quick-runs", &QUICK_RUNS.to_string()])
        .arg("--out")
        .arg(out)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("simulate serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server {
        child,
        port,
        out: out.to_path_buf(),
    }
}

/// An HTTP answer: status and body.
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends raw bytes and reads the whole answer (the request asks to close the connection).
pub fn raw(port: u16, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    // The server may answer (413) before it has read all of a large body.
    let _ = s.write_all(request);
    let mut bytes = Vec::new();
    let _ = s.read_to_end(&mut bytes);
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(&bytes)));
    let headers = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let mut body = bytes[split + 4..].to_vec();
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

/// A request with the right Host header.
pub fn request(port: u16, method: &str, path: &str, body: &str) -> Reply {
    let text = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    raw(port, text.as_bytes())
}

pub fn get(port: u16, path: &str) -> Reply {
    request(port, "GET", path, "")
}

pub fn post(port: u16, path: &str, body: &serde_json::Value) -> Reply {
    request(port, "POST", path, &body.to_string())
}

/// Runs `simulate run FILE --out DIR` and returns the SHA-256 of its summary.csv.
pub fn summary_sha_of_run(file: &Path, out: &Path) -> String {
    let status = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .arg("run")
        .arg(file)
        .args(["--quiet", "--format", "svg", "--out"])
        .arg(out)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success(), "simulate run {}", file.display());
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(out.join("summary.csv")).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
