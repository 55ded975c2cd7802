//! Structure-aware fuzzing on stable Rust: the shipped scenarios (and test fixtures) mutated
//! by byte flips, truncation, deleted and duplicated lines, values swapped for other types,
//! huge and non-finite numbers, deep nesting and multi-byte characters, fed to the loader;
//! mutated `--set` arguments fed to the loader as overrides; mutated rule conditions fed to
//! the expression compiler and evaluator. Every case must return (a scenario or an error), not
//! panic and not hang: a watchdog aborts the process if one case takes more than 20 s.
//!
//! Cases per run: `FUZZ_CASES` (default 40,000 loader + 30,000 `--set` + 40,000 expression =
//! 110,000 with the default; set `FUZZ_CASES=1000000` for a long run). Failures proptest finds
//! are kept in `tests/fuzz.proptest-regressions` and replayed first on every run.
#![allow(clippy::result_large_err)]

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use simulate::model::defaults::serbia;
use simulate::model::expr::Expr;
use simulate::model::vars;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed texts: every shipped scenario and every scenario fixture of the tests.
fn seeds() -> &'static [(PathBuf, String)] {
    static SEEDS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = Vec::new();
        for dir in ["scenarios", "tests/fixtures"] {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
                .expect("folder")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).expect("readable");
                out.push((p.parent().expect("folder").to_path_buf(), text));
            }
        }
        assert!(out.len() >= 7, "seed scenarios: {}", out.len());
        out
    })
}

/// Values of other types and extreme numbers, swapped in for a line's value.
const VALUES: &[&str] = &[
    "\"text\"",
    "true",
    "[1, 2, 3]",
    "[]",
    "{ value = 1.0 }",
    "{ dist = \"normal\", mean = 0.5, sd = 1e308 }",
    "{ dist = \"uniform\", min = 1, max = 0 }",
    "{ dist = \"triangular\", min = 0, mode = nan, max = 1 }",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "+inf",
    "-inf",
    "-0.0",
    "0",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "2024-01-01",
    "\"\u{e9}\u{65e5}\u{1F600}\"",
    "\"../../escape\"",
    "\"/dev/zero\"",
    "'''multi\nline'''",
    "\"\"",
];

/// Text spliced in anywhere: TOML punctuation, multi-byte characters, control bytes.
const SPLICES: &[&str] = &[
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    ".",
    "#",
    "\n",
    "[[x]]\n",
    "\u{e9}",
    "\u{65e5}",
    "\u{1F600}",
    "\u{a0}",
    "\u{0}",
    "\t",
    "\r\n",
    "\\",
    "\\u{",
    "&&",
    "||",
    ">=",
    "(",
];

#[derive(Clone, Debug)]
enum Mutation {
    FlipByte(usize, u8),
    Truncate(usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapValue(usize, usize),
    Splice(usize, usize),
    Nest(usize, usize, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), 0..VALUES.len()).prop_map(|(i, v)| Mutation::SwapValue(i, v)),
        (any::<usize>(), 0..SPLICES.len()).prop_map(|(i, s)| Mutation::Splice(i, s)),
        (any::<usize>(), 1usize..3000, any::<bool>()).prop_map(|(i, d, t)| Mutation::Nest(i, d, t)),
    ]
}

/// Applies a mutation to bytes (the result need not be UTF-8; invalid text is made valid
/// lossily, as a reader of a damaged file would see it).
fn apply(text: &mut Vec<u8>, m: &Mutation) {
    let len = text.len().max(1);
    let lines = |t: &[u8]| -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, b) in t.iter().enumerate() {
            if *b == b'\n' {
                v.push((start, i + 1));
                start = i + 1;
            }
        }
        if start < t.len() {
            v.push((start, t.len()));
        }
        v
    };
    match *m {
        Mutation::FlipByte(i, b) => {
            if !text.is_empty() {
                let i = i % text.len();
                text[i] ^= b.max(1);
            }
        }
        Mutation::Truncate(i) => text.truncate(i % len),
        Mutation::DeleteLine(i) | Mutation::DuplicateLine(i) => {
            let ls = lines(text);
            if ls.is_empty() {
                return;
            }
            let (a, b) = ls[i % ls.len()];
            if matches!(m, Mutation::DeleteLine(_)) {
                text.drain(a..b);
            } else {
                let line: Vec<u8> = text[a..b].to_vec();
                text.splice(b..b, line);
            }
        }
        Mutation::SwapValue(i, v) => {
            let ls: Vec<(usize, usize)> = lines(text)
                .into_iter()
                .filter(|(a, b)| text[*a..*b].contains(&b'='))
                .collect();
            if ls.is_empty() {
                return;
            }
            let (a, b) = ls[i % ls.len()];
            let eq = a + text[a..b].iter().position(|c| *c == b'=').unwrap_or(0) + 1;
            let end = if text[b - 1] == b'\n' { b - 1 } else { b };
            let value = format!(" {}", VALUES[v]);
            text.splice(eq..end.max(eq), value.into_bytes());
        }
        Mutation::Splice(i, s) => {
            let at = i % (text.len() + 1);
            text.splice(at..at, SPLICES[s].bytes());
        }
        Mutation::Nest(i, depth, table) => {
            let ls = lines(text);
            let at = ls.get(i % ls.len().max(1)).map_or(0, |l| l.0);
            let nested = if table {
                format!("deep = {}1{}\n", "{ a = ".repeat(depth), " }".repeat(depth))
            } else {
                format!("deep = {}1{}\n", "[".repeat(depth), "]".repeat(depth))
            };
            text.splice(at..at, nested.into_bytes());
        }
    }
}

/// The longest a single case has taken, and a watchdog that aborts the process when one
/// case runs for more than 20 s (a hang).
struct Watch {
    /// The case under way on each test thread.
    started: Mutex<HashMap<ThreadId, (Instant, String)>>,
    slowest_us: AtomicU64,
    /// Cases that loaded or compiled without error (the rest were refused with an error).
    accepted: AtomicU64,
}

fn watch() -> &'static Watch {
    static W: OnceLock<Watch> = OnceLock::new();
    W.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let w = watch();
                let guard = w.started.lock().unwrap_or_else(|e| e.into_inner());
                for (t, what) in guard.values() {
                    if t.elapsed() > Duration::from_secs(20) {
                        eprintln!("fuzz: a case has run for 20 s (a hang): {what}");
                        std::process::abort();
                    }
                }
            }
        });
        Watch {
            started: Mutex::new(HashMap::new()),
            slowest_us: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
        }
    })
}

fn timed<T>(what: impl FnOnce() -> String, f: impl FnOnce() -> T) -> T {
    let w = watch();
    let t = Instant::now();
    let id = std::thread::current().id();
    w.started
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, (t, what()));
    let out = f();
    w.started
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
    w.slowest_us
        .fetch_max(t.elapsed().as_micros() as u64, Ordering::Relaxed);
    out
}

fn cases(default: u32) -> u32 {
    let total: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(110_000);
    ((u64::from(default) * u64::from(total)) / 110_000).max(1) as u32
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fuzz.proptest-regressions",
        ))),
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

/// Loads a text as a scenario; a panic fails the case, an error is fine.
fn load(text: &str, dir: &Path, sets: &[String]) -> Result<(), TestCaseError> {
    let result = std::panic::catch_unwind(|| {
        timed(
            || format!("{text:?} {sets:?}"),
            || simulate::scenario::load_str(text, "fuzz.toml", dir, sets).map(|_| ()),
        )
    });
    match result {
        Ok(Ok(())) => {
            watch().accepted.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Ok(Err(e)) => {
            // Errors must render (the printing path has its own slicing).
            let shown = e.to_string();
            prop_assert!(!shown.is_empty());
            Ok(())
        }
        Err(_) => Err(TestCaseError::fail(format!(
            "the loader panicked on {text:?} with {sets:?}"
        ))),
    }
}

fn report(name: &str, n: u32, started: Instant) {
    eprintln!(
        "fuzz {name}: {n} cases in {:.1} s (slowest case so far {:.1} ms; accepted so far, all \
         harnesses: {}), no panic, no hang",
        started.elapsed().as_secs_f64(),
        watch().slowest_us.load(Ordering::Relaxed) as f64 / 1000.0,
        watch().accepted.load(Ordering::Relaxed)
    );
}

#[test]
fn loader_survives_mutated_scenarios() {
    let n = cases(40_000);
    let started = Instant::now();
    let strategy = (0..seeds().len(), prop::collection::vec(mutation(), 1..6));
    runner(n)
        .run(&strategy, |(seed, muts)| {
            let (dir, text) = &seeds()[seed];
            let mut bytes = text.clone().into_bytes();
            for m in &muts {
                apply(&mut bytes, m);
            }
            let text = String::from_utf8_lossy(&bytes);
            load(&text, dir, &[])
        })
        .unwrap();
    report("loader", n, started);
}

/// Keys `--set` can reach, with values of every kind.
const SET_PATHS: &[&str] = &[
    "name",
    "ensemble.runs",
    "ensemble.seed",
    "ensemble.on_failure",
    "powers.US.budget",
    "powers.XX.budget",
    "rivalry.US-CN.technology",
    "rivalry.EU-US",
    "state.initial_closeness.EU.economy",
    "state.autonomy_cost.RU",
    "threats.t",
    "threats.t.belief",
    "events.e.year",
    "rules.r.when",
    "years.start",
    "extends",
    "",
    ".",
    "a..b",
    "\"quoted.key\"",
    "powers.\u{e9}",
];

#[test]
fn set_arguments_survive_mutation() {
    let n = cases(30_000);
    let started = Instant::now();
    let text_value = prop_oneof![
        (0..VALUES.len()).prop_map(|v| VALUES[v].to_string()),
        "\\PC{0,12}",
        any::<f64>().prop_map(|f| f.to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
    ];
    let arg = prop_oneof![
        4 => ((0..SET_PATHS.len()), text_value, any::<bool>()).prop_map(|(p, v, sp)| {
            if sp { format!("{} = {v}", SET_PATHS[p]) } else { format!("{}={v}", SET_PATHS[p]) }
        }),
        1 => "\\PC{0,24}",
    ];
    let strategy = (0..seeds().len(), prop::collection::vec(arg, 1..4));
    runner(n)
        .run(&strategy, |(seed, sets)| {
            let (dir, text) = &seeds()[seed];
            load(text, dir, &sets)
        })
        .unwrap();
    report("--set", n, started);
}

/// Rule conditions of the shipped scenarios and a few more, to mutate.
fn conditions() -> Vec<String> {
    let mut out: Vec<String> = seeds()
        .iter()
        .flat_map(|(_, t)| t.lines())
        .filter_map(|l| l.trim().strip_prefix("when = "))
        .map(|v| v.trim_matches('"').to_string())
        .collect();
    out.extend(
        [
            "closeness.CN.technology > 0.45 && year >= 2027",
            "!(poll.RU >= 0.5 || leeway < 0) && alignment * 2 - 1 != 0",
            "((((year))))",
            "-(-(-1)) / 0 > 1e308",
        ]
        .map(String::from),
    );
    out
}

#[test]
fn expression_compiler_survives_mutated_conditions() {
    let n = cases(40_000);
    let started = Instant::now();
    let spec = serbia();
    let base = conditions();
    let strategy = (
        0..base.len(),
        prop::collection::vec(mutation(), 0..5),
        prop::collection::vec(any::<f64>(), 0..8),
    );
    runner(n)
        .run(&strategy, |(i, muts, vars_in)| {
            let mut bytes = base[i].clone().into_bytes();
            for m in &muts {
                apply(&mut bytes, m);
            }
            let source = String::from_utf8_lossy(&bytes).into_owned();
            let result = std::panic::catch_unwind(|| {
                timed(
                    || source.clone(),
                    || {
                        let compiled =
                            Expr::compile(&source, &mut |name| vars::resolve(name, &spec));
                        match compiled {
                            Ok(e) => {
                                watch().accepted.fetch_add(1, Ordering::Relaxed);
                                let _ = e.eval(&vars_in);
                                let _ = e.holds(&vars_in);
                                Ok(())
                            }
                            Err(e) => {
                                let _ = e.to_string();
                                Err(())
                            }
                        }
                    },
                )
            });
            prop_assert!(result.is_ok(), "the compiler panicked on {:?}", source);
            Ok(())
        })
        .unwrap();
    report("expressions", n, started);
}
