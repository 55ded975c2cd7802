//! `simulate serve`: a local web server (127.0.0.1 only) with a page to explore a scenario:
//! its fan charts, sliders for its uncertain numbers and `[explore]` parameters, a reset, and
//! "save as scenario". Everything the page needs is embedded in the binary (`page.html`);
//! nothing is fetched from the network.
//!
//! Endpoints:
//! - `GET /`: the page.
//! - `GET /api/scenario`: the scenario's name, powers and sliders (JSON).
//! - `POST /api/run` `{"set": {"path": "value", ...}, "quick": bool, "power": "RU"}`: runs the
//!   ensemble (quick: the first `--quick-runs` runs of the plan) and answers with the figures as
//!   SVG text, the final-year table and the SHA-256 of what `summary.csv` would hold.
//! - `POST /api/save` `{"set": {...}}`: writes a scenario that `extends` the explored one with
//!   exactly those values into the output folder; answers with its path.
//!
//! Every request is bounded (URL, body size, number and length of values), a request for
//! another host name is refused (DNS rebinding), bad values get the loader's checked errors as
//! a 400 with the message, and a panic while answering becomes a 500: the server goes on.

pub mod explorer;

pub use explorer::{Explorer, Refusal, Request, Slider};

use serde_json::{Value, json};
use std::io::Read;

/// Most bytes of a request body.
pub const MAX_BODY: usize = 64 * 1024;
/// Most bytes of a request URL.
pub const MAX_URL: usize = 2048;

/// The page, with its script and style inline.
const PAGE: &str = include_str!("page.html");

/// An answer: status, content type, body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type` header.
    pub content_type: &'static str,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Answer {
    fn json(status: u16, v: &Value) -> Answer {
        Answer {
            status,
            content_type: "application/json; charset=utf-8",
            body: v.to_string().into_bytes(),
        }
    }

    fn error(status: u16, message: &str) -> Answer {
        Answer::json(status, &json!({ "ok": false, "error": message }))
    }
}

/// Parses the JSON body of `/api/run` and `/api/save`.
fn parse_request(body: &[u8]) -> Result<Request, Answer> {
    let bad = |m: String| Answer::error(400, &m);
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("the request is not valid JSON: {e}")))?;
    let Some(obj) = v.as_object() else {
        return Err(bad("the request must be a JSON object".into()));
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "set" | "quick" | "power"))
    {
        return Err(bad(format!(
            "unknown field '{k}' in the request: allowed set, quick, power"
        )));
    }
    let mut req = Request::default();
    match obj.get("set") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (path, value) in m {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => {
                        return Err(bad(format!(
                            "set.{path}: the value must be a number or text"
                        )));
                    }
                };
                req.set.insert(path.clone(), text);
            }
        }
        Some(_) => {
            return Err(bad(
                "set must be an object of parameter paths and values".into()
            ));
        }
    }
    match obj.get("quick") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => req.quick = *b,
        Some(_) => return Err(bad("quick must be true or false".into())),
    }
    match obj.get("power") {
        None | Some(Value::Null) => {}
        Some(Value::String(p)) if p.len() <= 64 => req.power = Some(p.clone()),
        Some(_) => return Err(bad("power must be a power's id, e.g. \"RU\"".into())),
    }
    Ok(req)
}

/// Answers one request. Pure apart from running ensembles and writing saved scenarios into
/// the explorer's output folder.
pub fn answer(ex: &Explorer, method: &str, url: &str, body: &[u8]) -> Answer {
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    let api = |f: &dyn Fn(&Request) -> Result<Value, Refusal>| match parse_request(body) {
        Ok(req) => match f(&req) {
            Ok(v) => Answer::json(200, &v),
            Err(r) => Answer::error(r.status, &r.message),
        },
        Err(a) => a,
    };
    match (method, path) {
        ("GET" | "HEAD", "/") | ("GET" | "HEAD", "/index.html") => Answer {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: PAGE.as_bytes().to_vec(),
        },
        ("GET", "/api/scenario") => Answer::json(200, &ex.describe()),
        ("POST", "/api/run") => api(&|r| ex.run(r)),
        ("POST", "/api/save") => api(&|r| ex.save(r)),
        (_, "/" | "/index.html" | "/api/scenario" | "/api/run" | "/api/save") => {
            Answer::error(405, &format!("{method} is not allowed on {path}"))
        }
        _ => Answer::error(404, &format!("nothing at {path}")),
    }
}

/// Whether a `Host` header names this server (127.0.0.1 or localhost at its port).
fn host_ok(host: Option<&str>, port: u16) -> bool {
    match host {
        None => false,
        Some(h) => {
            let h = h.trim().to_ascii_lowercase();
            [
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ]
            .contains(&h)
        }
    }
}

/// Reads a request's body, at most `MAX_BODY` bytes; `None` when it is longer.
fn read_body(req: &mut tiny_http::Request) -> Result<Option<Vec<u8>>, std::io::Error> {
    if req.body_length().is_some_and(|n| n > MAX_BODY) {
        return Ok(None);
    }
    let mut body = Vec::new();
    req.as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body)?;
    Ok((body.len() <= MAX_BODY).then_some(body))
}

/// Answers one request of the wire, never panicking.
fn respond(ex: &Explorer, port: u16, mut req: tiny_http::Request) {
    let method = req.method().as_str().to_ascii_uppercase();
    let url = req.url().to_string();
    let host = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_string());
    let answer = if url.len() > MAX_URL {
        Answer::error(414, &format!("the URL is longer than {MAX_URL} bytes"))
    } else if !host_ok(host.as_deref(), port) {
        Answer::error(
            421,
            &format!("this server answers only to 127.0.0.1:{port} and localhost:{port}"),
        )
    } else {
        match read_body(&mut req) {
            Ok(Some(body)) => {
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    answer(ex, &method, &url, &body)
                }));
                caught.unwrap_or_else(|_| {
                    Answer::error(500, "internal error while answering (the server goes on)")
                })
            }
            Ok(None) => Answer::error(413, &format!("the request body is over {MAX_BODY} bytes")),
            Err(e) => Answer::error(400, &format!("cannot read the request: {e}")),
        }
    };
    let status = answer.status;
    let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).ok();
    let mut response = tiny_http::Response::from_data(answer.body).with_status_code(status);
    for (k, v) in [
        ("Content-Type", answer.content_type),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'",
        ),
    ] {
        if let Some(h) = header(k, v) {
            response.add_header(h);
        }
    }
    // A client that went away is not the server's problem.
    let _ = req.respond(response);
}

/// Serves the explorer on 127.0.0.1:`port` (0: any free port) until the process ends;
/// `ready` is called with the port once it listens.
pub fn serve(ex: &Explorer, port: u16, ready: &dyn Fn(u16)) -> anyhow::Result<()> {
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| crate::usage::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let port = server.server_addr().to_ip().map_or(port, |a| a.port());
    ready(port);
    for req in server.incoming_requests() {
        respond(ex, port, req);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_host_is_served() {
        assert!(host_ok(Some("127.0.0.1:8080"), 8080));
        assert!(host_ok(Some("localhost:8080"), 8080));
        assert!(!host_ok(Some("evil.example:8080"), 8080));
        assert!(!host_ok(Some("127.0.0.1:8081"), 8080));
        assert!(!host_ok(None, 8080));
    }

    #[test]
    fn requests_are_checked_for_shape() {
        assert!(parse_request(b"{\"set\": {\"a.b\": 1}, \"quick\": true}").is_ok());
        for bad in [
            &b"[1]"[..],
            b"{\"set\": 1}",
            b"{\"quick\": 1}",
            b"{\"other\": 1}",
            b"{\"set\": {\"a\": [1]}}",
            b"not json",
        ] {
            let a = parse_request(bad).unwrap_err();
            assert_eq!(a.status, 400, "{}", String::from_utf8_lossy(bad));
        }
    }
}
