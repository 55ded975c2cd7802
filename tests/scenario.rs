//! Scenario loading through the public API: defaults, a full file, `extends` chains, `--set`,
//! distributions and confidence widening, provenance, the resolved TOML round trip,
//! `describe`, and one test per kind of bad input (each message must name the file, the
//! line, the key and what is allowed).
#![allow(clippy::result_large_err)]

use simulate::model::defaults::serbia;
use simulate::model::{Domain, Effect, Kind, Op, Params, Target};
use simulate::scenario::{
    Confidence, Dist, ErrorKind, Scenario, ScenarioError, describe, load, load_str,
};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> Scenario {
    load(&fixtures().join(name), &[]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn text(text: &str) -> Scenario {
    load_str(text, "test.toml", &fixtures(), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn set(text: &str, overrides: &[&str]) -> Result<Scenario, ScenarioError> {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    load_str(text, "test.toml", &fixtures(), &overrides)
}

/// The message of a scenario that must fail, checked to contain every `want`.
fn refused(scenario: &str, overrides: &[&str], want: &[&str]) -> ScenarioError {
    let e = match set(scenario, overrides) {
        Ok(_) => panic!("accepted: {scenario}"),
        Err(e) => e,
    };
    let message = e.to_string();
    for w in want {
        assert!(message.contains(w), "missing {w:?} in:\n{message}");
    }
    e
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn get(s: &Scenario, path: &str) -> f64 {
    Target::parse(path, s.base.spec())
        .unwrap()
        .get(s.base.spec())
}

#[test]
fn an_empty_file_gives_the_defaults() {
    let s = text("");
    assert_eq!(s.base, Params::new(serbia()).unwrap());
    assert_eq!(s.name, "test");
    assert_eq!((s.runs, s.seed), (200, 42));
    assert!(s.uncertain.is_empty());
    assert!(s.provenance.is_empty());
    assert!(s.calibration.is_none());
}

#[test]
fn a_full_scenario_loads() {
    let s = fixture("full.toml");
    let p = &s.base;
    assert_eq!(s.name, "us_pressure");
    assert_eq!((s.runs, s.seed), (50, 7));
    assert_eq!((p.start, p.end), (2020, 2035));
    let ids: Vec<&str> = p.powers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["EU", "US", "RU", "CN", "TR"]);
    assert_eq!(p.powers[4].name, "Turkey");
    assert_eq!(p.powers[4].color, [0xaa, 0, 0]);
    // A distribution sits at its centre in the base parameters.
    assert!(close(get(&s, "government.autonomy_cost.TR"), 1.0));
    assert!(close(get(&s, "powers.US.budget"), 0.3));
    assert!(close(get(&s, "instruments.loans.visibility"), 0.4));
    assert!(close(get(&s, "threats.us_5g.severity"), 2.0));
    // Neutral defaults for a power the defaults do not know.
    assert!(close(
        get(&s, "government.initial_closeness.TR.security"),
        0.4
    ));
    assert!(close(get(&s, "population.media_pro_government.TR"), 0.3));
    assert!(close(get(&s, "rivalry.TR-CN.economy"), 0.0));
    assert!(close(get(&s, "rivalry.RU-TR.technology"), 0.2));
    assert!(close(get(&s, "rivalry.US-CN.technology"), 1.5));
    assert!(close(get(&s, "rivalry.EU-US.security"), -0.3));
    assert!(close(get(&s, "population.media_independent.CN"), 0.5));
    assert!(close(get(&s, "government.domain_weights.economy"), 0.4));
    assert!(!p.government.structural_ties);
    assert_eq!(p.government.ascent_iterations, 40);
    assert_eq!(p.population.citizens, 500);
    assert_eq!(p.polls.respondents, 400);
    assert_eq!(p.threats[0].grace, 2);
    assert_eq!(p.threats[0].issue, Some([-3.0, 4.0, 0.0]));
    assert_eq!(p.alignment.agenda.len(), 2);
    assert_eq!(p.alignment.agenda[1].year, 2024);
    // Scripted events in (year, name) order.
    let events: Vec<(&str, i32)> = p.events.iter().map(|e| (e.name.as_str(), e.year)).collect();
    assert_eq!(
        events,
        [
            ("covid", 2020),
            ("washington_agreement", 2020),
            ("ukraine", 2022)
        ]
    );
    let washington = &p.events[1].effects;
    assert_eq!(washington.len(), 3);
    assert!(
        matches!(washington[0], Effect::Param { target: Target::Belief(0), op: Op::Set(v) } if close(v, 0.7))
    );
    assert!(matches!(washington[2], Effect::StartThreat(0)));
    assert!(matches!(
        p.events[0].effects[0],
        Effect::Deliver {
            power: 3,
            kind: Kind::HealthAid,
            ..
        }
    ));
    assert!(matches!(
        p.events[2].effects.last(),
        Some(Effect::SnapElection)
    ));
    assert!(matches!(
        p.events[2].effects[1],
        Effect::Param {
            target: Target::Rivalry(1, 2, Some(Domain::Security)),
            op: Op::Ramp { years: 3, .. }
        }
    ));
    assert_eq!(p.random_events[0].until, 2035);
    assert!(matches!(
        p.random_events[0].effects[0],
        Effect::Param {
            target: Target::OpinionWeight,
            ..
        }
    ));
    assert_eq!(p.rules.len(), 1);
    assert!(p.rules[0].once);
    let calibration = s.calibration.as_ref().unwrap();
    assert_eq!(
        calibration["target"].as_str(),
        Some("data/observed/economy.csv")
    );
}

#[test]
fn distributions_and_widening_are_listed_as_uncertain() {
    let s = fixture("full.toml");
    let paths: Vec<&str> = s.uncertain.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "government.autonomy_cost.TR",
            "government.inertia",
            "powers.US.budget",
            "instruments.loans.visibility",
            "rivalry.EU-US",
            "threats.us_5g.severity",
        ]
    );
    // Confidence C: ±15% uniform around the value, which stays the base value.
    let inertia = &s.uncertain[1];
    assert!(
        matches!(inertia.dist, Dist::Uniform { min, max } if close(min, 1.275) && close(max, 1.725))
    );
    assert!(close(get(&s, "government.inertia"), 1.5));
    // Confidence D on a rivalry given for every domain: one draw for the pair.
    assert_eq!(s.uncertain[4].target, Target::Rivalry(0, 1, None));
    // A declared distribution is not widened again (the budget has confidence B).
    assert!(matches!(s.uncertain[2].dist, Dist::Triangular { .. }));
    let off = set(
        &std::fs::read_to_string(fixtures().join("full.toml")).unwrap(),
        &["ensemble.widen_by_confidence=false"],
    )
    .unwrap();
    let paths: Vec<&str> = off.uncertain.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "government.autonomy_cost.TR",
            "powers.US.budget",
            "instruments.loans.visibility",
            "threats.us_5g.severity",
        ]
    );
}

#[test]
fn samples_stay_within_their_distributions_and_vary() {
    let s = fixture("full.toml");
    let mut budgets = Vec::new();
    for seed in 0..300 {
        let p = s.sample(seed);
        let spec = p.spec();
        let budget = Target::Budget(1).get(spec);
        assert!((0.2..=0.5).contains(&budget), "{budget}");
        let tr = Target::AutonomyCost(4).get(spec);
        assert!((0.5..=1.5).contains(&tr), "{tr}");
        let inertia = Target::Inertia.get(spec);
        assert!((1.275..=1.725).contains(&inertia), "{inertia}");
        let visibility = Target::Visibility(Kind::Loans).get(spec);
        assert!((0.0..=1.0).contains(&visibility));
        // The pair drawn once moves every domain together.
        let r: Vec<f64> = Domain::ALL
            .iter()
            .map(|d| spec.rivalry_of(0, 1, d.index()))
            .collect();
        assert!(r.iter().all(|x| close(*x, r[0])) && (-0.39..=-0.21).contains(&r[0]));
        // Everything that is not uncertain keeps its base value.
        assert!(close(
            Target::Budget(0).get(spec),
            get(&s, "powers.EU.budget")
        ));
        budgets.push(budget);
    }
    let mean = budgets.iter().sum::<f64>() / budgets.len() as f64;
    assert!((0.31..0.36).contains(&mean), "triangular mean {mean}");
    assert_eq!(s.sample(5), s.sample(5));
    assert_ne!(s.sample(5), s.sample(6));
}

#[test]
fn provenance_is_kept_by_canonical_path() {
    let s = fixture("full.toml");
    let budget = &s.provenance["powers.US.budget"];
    assert_eq!(budget.source.as_deref(), Some("USAID 2023"));
    assert_eq!(budget.confidence, Some(Confidence::B));
    let inertia = &s.provenance["government.inertia"];
    assert_eq!(inertia.source.as_deref(), Some("expert guess"));
    for d in Domain::ALL {
        let p = &s.provenance[&format!("rivalry.EU-US.{}", d.name())];
        assert_eq!(p.confidence, Some(Confidence::D));
    }
    assert!(!s.provenance.contains_key("powers.EU.budget"));
}

#[test]
fn extends_chains_merge_and_override() {
    let child = fixture("child.toml");
    assert_eq!(child.name, "child");
    assert_eq!(child.description, "base scenario");
    assert_eq!(child.runs, 20);
    assert_eq!((child.base.start, child.base.end), (2024, 2030));
    assert!(close(get(&child, "powers.US.target"), 0.65));
    assert!(close(get(&child, "powers.US.budget"), 0.3));
    assert_eq!(
        child.provenance["powers.US.budget"].source.as_deref(),
        Some("base source")
    );
    // "US-EU" overrides one domain of the parent's single "EU-US" value.
    assert!(close(get(&child, "rivalry.EU-US.security"), 0.1));
    assert!(close(get(&child, "rivalry.EU-US.economy"), -0.3));
    // Events merge by name: the year changes, the effect stays.
    assert_eq!(child.base.events.len(), 1);
    assert_eq!(child.base.events[0].year, 2027);
    assert_eq!(child.base.events[0].effects.len(), 1);

    let grandchild = fixture("nested/grandchild.toml");
    assert_eq!(grandchild.seed, 9);
    assert_eq!(grandchild.name, "child");
    assert_eq!(grandchild.base, child.base);
    assert!(grandchild.path.ends_with("nested/grandchild.toml"));
}

#[test]
fn set_overrides_several_kinds_of_keys() {
    let s = set(
        "[powers.US]\nbudget = { value = 0.3, source = \"x\" }\n",
        &[
            "powers.US.budget=0.5",
            "ensemble.runs=50",
            "rivalry.US-CN.technology=2",
            "rivalry.EU-US=0.25",
            "state.initial_closeness.EU.economy=0.6",
            "state.autonomy_cost.RU = 1.5",
            "name=hello-world.v2",
            "threats.t={ sender = \"US\", rival = \"CN\", domain = \"technology\" }",
            "threats.t.belief={ dist = \"uniform\", min = 0.2, max = 0.4 }",
        ],
    )
    .unwrap();
    assert!(close(get(&s, "powers.US.budget"), 0.5));
    assert!(!s.provenance.contains_key("powers.US.budget"));
    assert_eq!(s.runs, 50);
    assert!(close(get(&s, "rivalry.US-CN.technology"), 2.0));
    let defaults = Params::new(serbia()).unwrap();
    let us_cn_economy = Target::Rivalry(1, 3, Some(Domain::Economy)).get(defaults.spec());
    assert!(close(get(&s, "rivalry.CN-US.economy"), us_cn_economy));
    assert!(close(get(&s, "rivalry.US-EU.diplomacy"), 0.25));
    assert!(close(
        get(&s, "government.initial_closeness.EU.economy"),
        0.6
    ));
    let default = |path: &str| {
        Target::parse(path, defaults.spec())
            .unwrap()
            .get(defaults.spec())
    };
    let path = "government.initial_closeness.EU.security";
    assert!(close(get(&s, path), default(path)));
    assert!(close(get(&s, "government.autonomy_cost.RU"), 1.5));
    let path = "government.autonomy_cost.EU";
    assert!(close(get(&s, path), default(path)));
    assert_eq!(s.name, "hello-world.v2");
    assert_eq!(s.uncertain.len(), 1);
    assert_eq!(s.uncertain[0].path, "threats.t.belief");
    let fewer = set("", &["power_ids=[\"EU\", \"RU\"]"]).unwrap();
    assert_eq!(fewer.base.powers.len(), 2);
}

#[test]
fn the_resolved_toml_loads_to_the_same_scenario() {
    let sources = [
        fixture("full.toml"),
        fixture("nested/grandchild.toml"),
        text(""),
        set(
            "",
            &["power_ids=[\"CN\", \"XY\", \"EU\"]", "accession.power=\"\""],
        )
        .unwrap(),
        set("", &["powers.US.budget=0.9"]).unwrap(),
    ];
    for s in sources {
        assert!(!s.resolved_toml.lines().any(|l| l.starts_with("extends")));
        // A scenario with a reference re-runs from the resolved file and the resolved
        // reference written beside it.
        let dir = tempfile::tempdir().unwrap();
        if let Some((name, text)) = s.reference_file() {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let again = load_str(&s.resolved_toml, "resolved.toml", dir.path(), &[])
            .unwrap_or_else(|e| panic!("{e}\n{}", s.resolved_toml));
        assert_eq!(again.reference.is_some(), s.reference.is_some());
        assert_eq!(again.base, s.base, "{}", s.resolved_toml);
        assert_eq!(again.uncertain, s.uncertain);
        assert_eq!(again.provenance, s.provenance);
        assert_eq!((again.runs, again.seed), (s.runs, s.seed));
        assert_eq!(again.name, s.name);
        assert_eq!(again.description, s.description);
        assert_eq!(again.calibration, s.calibration);
        assert_eq!(again.resolved_toml, s.resolved_toml);
    }
}

#[test]
fn describe_lists_every_parameter() {
    let s = fixture("full.toml");
    let rows = describe(&s);
    // Every target, the 9 whole-number settings, the level of each power's money instruments
    // (the budgeted kinds), the 11 parameters of a new threat.
    let budgeted = Kind::ALL.iter().filter(|k| k.is_budgeted()).count();
    let levels = budgeted * s.base.spec().powers.len();
    assert_eq!(
        rows.len(),
        Target::all(s.base.spec()).len() + 9 + levels + 11
    );
    assert!(
        rows.iter()
            .all(|r| !r.unit.is_empty() && !r.meaning.is_empty()),
        "{rows:#?}"
    );
    let budget = rows.iter().find(|r| r.path == "powers.US.budget").unwrap();
    assert!(close(budget.value, 0.3));
    assert_eq!(budget.range, "0 to 100");
    assert_eq!(
        budget.dist.as_deref(),
        Some("triangular(0.2, mode 0.3, 0.5)")
    );
    assert_eq!(budget.source.as_deref(), Some("USAID 2023"));
    assert_eq!(budget.confidence.as_deref(), Some("B"));
    let rivalry = rows
        .iter()
        .find(|r| r.path == "rivalry.EU-US.technology")
        .unwrap();
    assert!(rivalry.dist.as_deref().unwrap().starts_with("uniform("));
    let runs = rows.iter().find(|r| r.path == "ensemble.runs").unwrap();
    assert!(close(runs.value, 50.0));
}

// --- Bad input: each message names the file, the line, the key and what is allowed. ---

#[test]
fn a_toml_syntax_error_is_located() {
    let e = refused(
        "[years]\nstart = 2024\nend = = 2030\n",
        &[],
        &["test.toml:3:", "invalid TOML"],
    );
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert!(e.snippet.contains("3 | end = = 2030"));
}

#[test]
fn an_unknown_key_gets_a_suggestion_and_the_allowed_keys() {
    let e = refused(
        "[powers.US]\nbudgt = 1\n",
        &[],
        &[
            "test.toml:2:1",
            "powers.US.budgt",
            "did you mean `budget`?",
            "allowed keys: accession, budget, bust_cost",
        ],
    );
    assert_eq!(e.kind, ErrorKind::UnknownKey);
    refused(
        "[goverment]\ninertia = 1\n",
        &[],
        &[
            "test.toml:1:2",
            "unknown key `goverment`",
            "did you mean `government`?",
            "allowed keys:",
        ],
    );
    refused(
        "[state.domain_weights]\neconomics = 0.5\n",
        &[],
        &[
            "test.toml:2:1",
            "government.domain_weights.economics",
            "did you mean `economy`?",
        ],
    );
}

#[test]
fn a_wrong_type_says_what_was_expected() {
    let e = refused(
        "[powers.US]\nbudget = \"high\"\n",
        &[],
        &[
            "test.toml:2:10",
            "powers.US.budget = \"high\"",
            "expected a number",
            "found a string",
        ],
    );
    assert_eq!(e.kind, ErrorKind::WrongType);
    refused(
        "[population]\ncitizens = 2.5\n",
        &[],
        &[
            "test.toml:2:12",
            "population.citizens",
            "expected an integer (1 to 1000000), found a float",
        ],
    );
    refused(
        "[state]\nname = 3\n",
        &[],
        &[
            "test.toml:2:8",
            "government.name = 3",
            "expected a string, found an integer",
        ],
    );
    refused(
        "powers = [\"EU\", \"US\"]\n",
        &[],
        &["test.toml:1:10", "expected a table", "power_ids = ["],
    );
}

#[test]
fn out_of_range_shows_the_value_and_the_range_with_a_caret() {
    let e = refused(
        "name = \"x\"\n\n[powers.US]\nbudget = -1\n",
        &[],
        &["test.toml:4:10: powers.US.budget = -1 is out of range: allowed 0 to 100"],
    );
    assert_eq!(e.kind, ErrorKind::OutOfRange);
    assert_eq!(e.key.as_deref(), Some("powers.US.budget"));
    assert!(
        e.to_string()
            .ends_with("  |\n4 | budget = -1\n  |          ^^"),
        "{e}"
    );
}

#[test]
fn a_bad_distribution_is_explained() {
    refused(
        "[state]\ninertia = { dist = \"normal\", mean = 1, sd = -1 }\n",
        &[],
        &[
            "test.toml:2:",
            "government.inertia.sd = -1",
            "allowed greater than 0",
        ],
    );
    refused(
        "[state]\ninertia = { dist = \"gaussian\", mean = 1, sd = 1 }\n",
        &[],
        &[
            "test.toml:2:20",
            "government.inertia.dist = \"gaussian\"",
            "allowed uniform, normal, triangular, beta",
        ],
    );
    refused(
        "[state]\nmax_move = { dist = \"uniform\", min = 0.5, max = 2 }\n",
        &[],
        &[
            "test.toml:2:12",
            "government.max_move",
            "reaches outside the allowed range 0 to 1",
        ],
    );
    // Distributions only on model parameters.
    refused(
        "[state]\nelection_period = { dist = \"uniform\", min = 2, max = 5 }\n",
        &[],
        &[
            "test.toml:2:19",
            "government.election_period",
            "a distribution is not allowed here",
            "allowed an integer 0 to 100",
        ],
    );
    refused(
        "[events.e]\nyear = 2025\nset = { \"powers.US.budget\" = { dist = \"uniform\", min = 0, max = 1 } }\n",
        &[],
        &[
            "test.toml:3:30",
            "events.e.set.\"powers.US.budget\"",
            "an effect value",
            "allowed a plain number",
        ],
    );
}

#[test]
fn an_unknown_power_in_an_effect_path_names_the_declared_ones() {
    let e = refused(
        "[events.e]\nyear = 2025\nadd = { \"powers.XX.budget\" = 0.1 }\n",
        &[],
        &[
            "test.toml:3:9",
            "events.e.add.\"powers.XX.budget\"",
            "unknown power 'XX'",
            "declared powers are EU, US, RU, CN",
        ],
    );
    assert_eq!(e.kind, ErrorKind::UnknownName);
    refused(
        "[events.e]\nyear = 2025\nstart_threats = [\"us_5h\"]\n",
        &[],
        &[
            "test.toml:3:18",
            "no such threat `us_5h`",
            "declared threats are none",
        ],
    );
    refused(
        "[events.e]\nyear = 2025\ndeliver = [{ power = \"CN\", kind = \"vaccines\", amount = 1 }]\n",
        &[],
        &[
            "test.toml:3:",
            "events.e.deliver[0].kind",
            "unknown instrument kind `vaccines`",
            "allowed grants, loans",
        ],
    );
}

#[test]
fn an_unknown_power_in_powers_or_a_rivalry_pair_is_refused() {
    refused(
        "[powers.UK]\nbudget = 1\n",
        &[],
        &[
            "test.toml:1:9",
            "unknown power `UK` in [powers]",
            "did you mean `US`?",
            "declared powers are EU, US, RU, CN",
        ],
    );
    refused(
        "[rivalry]\n\"US-XX\" = 1\n",
        &[],
        &[
            "test.toml:2:1",
            "rivalry.US-XX",
            "unknown power `XX` in the rivalry pair rivalry.US-XX",
            "declared powers are EU, US, RU, CN",
        ],
    );
    refused(
        "[rivalry]\n\"US-CN\" = 1\n\"CN-US\" = 2\n",
        &[],
        &["test.toml:", "given twice", "allowed one entry per pair"],
    );
    refused(
        "[state.initial_closeness]\nTR = 0.5\n",
        &[],
        &[
            "test.toml:2:1",
            "unknown power `TR`",
            "declared powers are EU, US, RU, CN",
        ],
    );
}

#[test]
fn bad_set_arguments_name_the_argument() {
    let e = refused(
        "",
        &["powers.XX.budget=1"],
        &[
            "--set powers.XX.budget=1: unknown power `XX` in [powers]",
            "declared powers are EU, US, RU, CN",
        ],
    );
    assert_eq!(
        e.place,
        simulate::scenario::Place::Set {
            arg: "powers.XX.budget=1".into()
        }
    );
    refused(
        "",
        &["powers.US.budget"],
        &["--set powers.US.budget: expected key.path=value"],
    );
    refused(
        "",
        &["powers..budget=1"],
        &["--set powers..budget=1: 'powers..budget' is not a key path"],
    );
    refused(
        "",
        &["ensemble.runs=many"],
        &[
            "--set ensemble.runs=many: ensemble.runs = \"many\": expected an integer (1 to 10000000), found a string",
        ],
    );
    refused(
        "",
        &["powers.US.budgt=1"],
        &[
            "--set powers.US.budgt=1: unknown key `powers.US.budgt`",
            "did you mean `budget`?",
        ],
    );
    refused(
        "",
        &["powers.US.budget=200"],
        &["--set powers.US.budget=200: powers.US.budget = 200 is out of range: allowed 0 to 100"],
    );
}

#[test]
fn a_missing_file_is_named() {
    let path = fixtures().join("no_such_scenario.toml");
    let e = load(&path, &[]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Io);
    assert_eq!(
        e.to_string(),
        format!(
            "error: cannot read scenario '{}': No such file or directory",
            path.display()
        )
    );
    refused(
        "# comment\nextends = \"missing_parent.toml\"\n",
        &[],
        &[
            "test.toml:2:11",
            "cannot read scenario",
            "missing_parent.toml",
            "No such file or directory",
        ],
    );
}

#[test]
fn an_extends_cycle_is_refused_with_the_chain() {
    let e = load(&fixtures().join("cycle_a.toml"), &[]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Cycle);
    let message = e.to_string();
    assert!(
        message.contains("cycle_b.toml:3:11: extends = \"cycle_a.toml\" makes a cycle"),
        "{message}"
    );
    assert!(message.contains("cycle_a.toml -> "), "{message}");
    assert!(message.contains("cycle_b.toml -> "), "{message}");
}

#[test]
fn reversed_years_are_refused() {
    refused(
        "[years]\nstart = 2030\nend = 2020\n",
        &[],
        &[
            "test.toml:3:7",
            "years.end = 2020 is before years.start = 2030",
            "allowed end >= start",
        ],
    );
}

#[test]
fn an_empty_or_oversized_ensemble_is_refused() {
    refused(
        "[ensemble]\nruns = 0\n",
        &[],
        &[
            "test.toml:2:8",
            "ensemble.runs must be at least 1",
            "allowed 1 to 10000000",
        ],
    );
    refused(
        "[ensemble]\nruns = 10000001\n",
        &[],
        &[
            "test.toml:2:8",
            "ensemble.runs = 10000001 is out of range: allowed 1 to 10000000",
        ],
    );
}

#[test]
fn agenda_shares_must_sum_to_one() {
    refused(
        "[alignment.agenda]\n2024 = { RU = 0.35, CN = 0.05, other = 0.5 }\n",
        &[],
        &[
            "test.toml:2:8",
            "alignment.agenda.2024",
            "shares sum to 0.9",
            "must sum to 1",
        ],
    );
}

#[test]
fn a_bad_condition_points_into_the_expression() {
    let e = refused(
        "[rules.r]\nwhen = \"year >= 2025 && closeness.XX.economy > 0.5\"\nadd = { \"powers.US.budget\" = 0.1 }\n",
        &[],
        &[
            "test.toml:2:25",
            "rules.r.when",
            "unknown power 'XX'",
            "declared powers are EU, US, RU, CN",
            "column 17 of the condition",
        ],
    );
    assert_eq!(e.kind, ErrorKind::Expression);
    refused(
        "[rules.r]\nwhen = \"year >=\"\n",
        &[],
        &["test.toml:2:", "rules.r.when", "column"],
    );
}

#[test]
fn a_broken_sum_points_at_the_table_that_broke_it() {
    refused(
        "[powers.EU]\nmix = { grants = 0.5 }\n",
        &[],
        &[
            "test.toml:2:7",
            "powers.EU.mix",
            "budget shares sum to",
            "allowed at most 1",
        ],
    );
    refused(
        "[state.domain_weights]\neconomy = 0.5\n",
        &[],
        &["test.toml:1:", "government.domain_weights", "must sum to 1"],
    );
}

#[test]
fn an_error_in_a_parent_names_the_parent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("parent.toml"), "[state]\n\ninertia = -2\n").unwrap();
    let e = load_str("extends = \"parent.toml\"\n", "kid.toml", dir.path(), &[]).unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains(
            "parent.toml:3:11: government.inertia = -2 is out of range: allowed 0 to 100"
        ),
        "{message}"
    );
}

#[test]
fn draws_that_break_a_sum_are_repaired() {
    let s = text(
        "[state.domain_weights]\n\
         economy = { dist = \"uniform\", min = 0.1, max = 0.5 }\n\
         security = 0.2\ntechnology = 0.2\ndiplomacy = 0.3\n\
         [powers.US]\nmix = { grants = { dist = \"uniform\", min = 0.1, max = 0.8 } }\n",
    );
    let mut changed = 0;
    for seed in 0..100 {
        let p = s.sample(seed);
        let total: f64 = p.government.domain_weights.iter().sum();
        assert!(close(total, 1.0));
        let shares: f64 = Kind::ALL
            .iter()
            .filter(|k| k.is_budgeted())
            .map(|k| p.powers[1].mix[k.index()])
            .sum();
        assert!(shares <= 1.0 + 1e-9, "{shares}");
        if p != s.base {
            changed += 1;
        }
    }
    assert_eq!(changed, 100);
}

#[test]
fn a_long_condition_still_points_at_the_token() {
    let when = "year >= 2025 && closeness.CN.technology > 0.6 && closeness.RU.security > 0.5 \
                && poll.XX > 0.1";
    let line = format!("when = \"{when}\"");
    let column = line.find("poll.XX").unwrap() + 1;
    refused(
        &format!("[rules.r]\n{line}\n"),
        &[],
        &[&format!("test.toml:2:{column}:"), "unknown power 'XX'"],
    );
}

/// Robustness: deleting a single character of a valid scenario gives a scenario or
/// an error, never a panic (byte slicing in messages, spans past the end of a line).
#[test]
fn no_single_character_deletion_panics() {
    let full = std::fs::read_to_string(fixtures().join("full.toml")).unwrap();
    let mut refused = 0;
    // Every third character keeps the test fast in debug builds.
    for (i, c) in full.char_indices().step_by(3) {
        let mut text = full.clone();
        text.replace_range(i..i + c.len_utf8(), "");
        if let Err(e) = load_str(&text, "cut.toml", &fixtures(), &[]) {
            refused += 1;
            assert!(e.to_string().starts_with("error: "), "{e}");
        }
    }
    assert!(refused > 0);
}
