//! Threats and sanctions: issue, grace, imposition, lifting, and the state's belief in the
//! sender's resolve (docs/model.md §5.3). Phase 4 of the year.

use super::record::{Fired, FiredKind};
use super::rng::Stream;
use super::types::Stage;
use super::world::World;
use rand::RngExt;

fn logistic(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// Phase 4: every threat advances one step on last year's closeness.
pub fn advance_threats(w: &mut World) {
    let year = w.year;
    for h in 0..w.p.threats.len() {
        let t = &w.p.threats[h];
        let d = t.domain.index();
        let x = w.x[t.rival][d];
        let violation = x > t.red_line;
        // One draw per threat per year whatever the stage (docs/model.md §4).
        let u: f64 = w.rng.at(Stream::Threats, year, h as u64).random();
        let state = w.threats[h];
        match state.stage {
            Stage::Dormant | Stage::Lifted => {
                if let Some(z) = t.issue
                    && year >= t.active_from
                {
                    let rho = w.p.rivalry_of(t.sender, t.rival, d);
                    let prob = logistic(z[0] + z[1] * (x - t.red_line) + z[2] * rho);
                    if u < prob {
                        w.threats[h].stage = Stage::Threatened;
                        w.threats[h].since = year;
                        w.rec.fired.push(Fired {
                            kind: FiredKind::ThreatIssued,
                            index: h,
                        });
                    }
                }
            }
            Stage::Threatened => {
                let waited = year - state.since;
                if violation && waited >= i32::try_from(t.grace).unwrap_or(i32::MAX) {
                    let imposed = u < t.resolve;
                    let signal = if imposed { 1.0 } else { 0.0 };
                    w.belief[h] += t.learning * (signal - w.belief[h]);
                    if imposed {
                        w.threats[h].stage = Stage::Imposed;
                        w.threats[h].since = year;
                        w.rec.fired.push(Fired {
                            kind: FiredKind::ThreatImposed,
                            index: h,
                        });
                    }
                }
            }
            Stage::Imposed => {
                if !violation && u < t.lift {
                    w.threats[h].stage = Stage::Lifted;
                    w.threats[h].since = year;
                    w.rec.fired.push(Fired {
                        kind: FiredKind::ThreatLifted,
                        index: h,
                    });
                }
            }
        }
    }
}
