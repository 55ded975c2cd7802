//! Scripted events, rules and random events: phases 1 and 2 of the year
//! (docs/model.md §3, §7). Effects change parameters by path, start, impose or lift threats,
//! deliver aid, give citizens an experience, or call a snap election.

use super::params::Effect;
use super::record::{Breach, Fired, FiredKind, Invariant};
use super::rng::Stream;
use super::target::{Op, Target};
use super::types::{Domain, Kind, PowerId, Stage};
use super::world::{Ramp, World};
use rand::RngExt;

/// Phase 1: scripted events of the year, ramps in progress, and rules on last year's state.
pub fn scripted(w: &mut World) {
    let year = w.year;
    // Conditions see the current year; every other variable is last year's observation.
    let slot = w.layout.year();
    w.vars[slot] = f64::from(year);
    advance_ramps(w);
    let due: Vec<usize> = (0..w.p.events.len())
        .filter(|&i| w.p.events[i].year == year)
        .collect();
    for i in due {
        let effects = w.p.events[i].effects.clone();
        let source = Fired {
            kind: FiredKind::Scripted,
            index: i,
        };
        apply_all(w, &effects, source);
        w.rec.fired.push(source);
    }
    for r in 0..w.p.rules.len() {
        let rule = &w.p.rules[r];
        if rule.once && w.rules_fired[r] {
            continue;
        }
        if rule.condition.holds(&w.vars) {
            let effects = rule.effects.clone();
            w.rules_fired[r] = true;
            let source = Fired {
                kind: FiredKind::Rule,
                index: r,
            };
            apply_all(w, &effects, source);
            w.rec.fired.push(source);
        }
    }
}

/// Phase 2: each random event fires with its yearly probability.
pub fn random(w: &mut World) {
    let year = w.year;
    for i in 0..w.p.random_events.len() {
        let e = &w.p.random_events[i];
        // Each declared event has its own draw each year (docs/model.md §4).
        let u: f64 = w.rng.at(Stream::Events, year, i as u64).random();
        if year < e.from || year > e.until || u >= e.probability {
            continue;
        }
        let effects = e.effects.clone();
        let source = Fired {
            kind: FiredKind::Random,
            index: i,
        };
        apply_all(w, &effects, source);
        w.rec.fired.push(source);
    }
}

/// Applies the effects of one event or rule, in order, then checks the sums they must keep.
fn apply_all(w: &mut World, effects: &[Effect], source: Fired) {
    for e in effects {
        apply(w, e, source);
    }
    check_sums(w, effects, source);
}

/// Tolerance of the invariant checks: rounding in a sum or a product is not a breach.
const SLACK: f64 = 1e-9;

/// The sums a scenario file must keep, checked after `source` changed budget shares or domain
/// weights (docs/model.md §7): each power's budget shares at most 1, the domain weights
/// summing to 1. A ramp in progress counts at the value it ends at. A sum broken here is
/// recorded in `w.rec.breaches`; the run goes on (the budget cap scales the power's
/// instruments down).
fn check_sums(w: &mut World, effects: &[Effect], source: Fired) {
    let mut powers: Vec<PowerId> = Vec::new();
    let mut weights = false;
    for e in effects {
        match e {
            Effect::Param {
                target: Target::Mix(p, k),
                ..
            } if k.is_budgeted() && !powers.contains(p) => powers.push(*p),
            Effect::Param {
                target: Target::DomainWeight(_),
                ..
            } => weights = true,
            _ => {}
        }
    }
    let eventual = |w: &World, t: Target| {
        let (lo, hi) = t.range();
        w.ramps
            .iter()
            .find(|r| r.target == t)
            .map_or_else(|| t.get(&w.p), |r| r.to.clamp(lo, hi))
    };
    for p in powers {
        let total: f64 = Kind::ALL
            .into_iter()
            .filter(|k| k.is_budgeted())
            .map(|k| eventual(w, Target::Mix(p, k)))
            .sum();
        if total > 1.0 + SLACK {
            w.rec.breaches.push(Breach {
                source,
                invariant: Invariant::Shares(p),
                value: total,
            });
        }
    }
    if weights {
        let total: f64 = Domain::ALL
            .into_iter()
            .map(|d| eventual(w, Target::DomainWeight(d)))
            .sum();
        if (total - 1.0).abs() > 1e-6 {
            w.rec.breaches.push(Breach {
                source,
                invariant: Invariant::Weights,
                value: total,
            });
        }
    }
}

/// Applies one effect now, on behalf of `source` (the event or rule that carries it).
pub fn apply(w: &mut World, effect: &Effect, source: Fired) {
    match *effect {
        Effect::Param {
            target: Target::Rivalry(p, q, None),
            op,
        } => {
            // A pair-level change applies to each domain's own value.
            for d in Domain::ALL {
                apply(
                    w,
                    &Effect::Param {
                        target: Target::Rivalry(p, q, Some(d)),
                        op,
                    },
                    source,
                );
            }
        }
        Effect::Param { target, op } => {
            // A new effect on a parameter ends any ramp in progress on it.
            w.ramps.retain(|r| r.target != target);
            let current = target.get(&w.p);
            if let Op::Ramp { to, years } = op {
                if years > 1 {
                    w.ramps.push(Ramp {
                        target,
                        from: current,
                        to,
                        start: w.year,
                        years,
                    });
                }
            }
            // Outside its range the value is clamped: recorded, since the file could not say
            // it (a ramp is judged by where it ends).
            let wanted = match op {
                Op::Ramp { to, .. } => to,
                other => other.apply(current),
            };
            let (lo, hi) = target.range();
            if wanted < lo - SLACK || wanted > hi + SLACK {
                w.rec.breaches.push(Breach {
                    source,
                    invariant: Invariant::Range(target),
                    value: wanted,
                });
            }
            // A ramp takes its first step in the year it starts.
            target.set_clamped(&mut w.p, op.apply(current));
            if let Target::Belief(h) = target {
                w.belief[h] = target.get(&w.p);
            }
        }
        Effect::StartThreat(h) => {
            if matches!(w.threats[h].stage, Stage::Dormant | Stage::Lifted) {
                w.threats[h].stage = Stage::Threatened;
                w.threats[h].since = w.year;
                w.rec.fired.push(Fired {
                    kind: FiredKind::ThreatIssued,
                    index: h,
                });
            }
        }
        Effect::Impose(h) => {
            if w.threats[h].stage != Stage::Imposed {
                // Carrying a threat out is the signal of resolve the state learns from, as
                // when the sender imposes after the grace years (docs/model.md §5.3).
                let learning = w.p.threats[h].learning;
                w.belief[h] += learning * (1.0 - w.belief[h]);
                w.threats[h].stage = Stage::Imposed;
                w.threats[h].since = w.year;
                w.rec.fired.push(Fired {
                    kind: FiredKind::ThreatImposed,
                    index: h,
                });
            }
        }
        Effect::Lift(h) => {
            if matches!(w.threats[h].stage, Stage::Threatened | Stage::Imposed) {
                w.threats[h].stage = Stage::Lifted;
                w.threats[h].since = w.year;
                w.rec.fired.push(Fired {
                    kind: FiredKind::ThreatLifted,
                    index: h,
                });
            }
        }
        Effect::Deliver {
            power,
            kind,
            amount,
        } => {
            w.delivered[power][kind.index()] += amount;
        }
        Effect::Experience { power, share, sign } => {
            w.citizens
                .share_experience(power, share, sign, &w.rng, w.year);
        }
        Effect::SnapElection => w.snap_election = true,
    }
}

/// Sets every ramp begun in an earlier year to its value for this year; drops finished ramps.
fn advance_ramps(w: &mut World) {
    let year = w.year;
    for r in &w.ramps {
        if r.start >= year {
            continue;
        }
        let done = f64::from((year - r.start + 1).max(0)).min(f64::from(r.years));
        let value = r.from + (r.to - r.from) * done / f64::from(r.years.max(1));
        r.target.set_clamped(&mut w.p, value);
        if let Target::Belief(h) = r.target {
            w.belief[h] = r.target.get(&w.p);
        }
    }
    w.ramps.retain(|r| {
        r.start >= year || year - r.start + 1 < i32::try_from(r.years).unwrap_or(i32::MAX)
    });
}
