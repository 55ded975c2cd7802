//! The measures an ensemble summarises, in one fixed order: which series exist for a
//! parameter set, and each run-year's values for them. Plots, tables and runs.csv all use
//! these names (README "Output columns").

use crate::model::{Domain, Kind, Params, Stage, YearRecord};
use crate::stats::SeriesKey;

/// The series of a parameter set, in output order.
pub fn series(params: &Params) -> Vec<SeriesKey> {
    let mut keys = Vec::new();
    let ids: Vec<&str> = params.powers.iter().map(|p| p.id.as_str()).collect();
    for id in &ids {
        keys.push(SeriesKey::new("closeness", id, ""));
        for d in Domain::ALL {
            keys.push(SeriesKey::new("closeness", id, d.name()));
        }
    }
    for id in &ids {
        keys.push(SeriesKey::new("affinity", id, ""));
    }
    for id in ids.iter().copied().chain(["none"]) {
        keys.push(SeriesKey::new("poll_friend", id, ""));
    }
    for id in ids.iter().copied().chain(["none"]) {
        keys.push(SeriesKey::new("poll_helped", id, ""));
    }
    for id in &ids {
        keys.push(SeriesKey::new("poll_positive", id, ""));
    }
    keys.push(SeriesKey::new("membership_support", "", ""));
    keys.push(SeriesKey::new("alignment", "", ""));
    keys.push(SeriesKey::new("leeway", "", ""));
    for d in Domain::ALL {
        keys.push(SeriesKey::new("leeway", "", d.name()));
    }
    keys.push(SeriesKey::new("hedging", "", ""));
    keys.push(SeriesKey::new("credibility", "", ""));
    keys.push(SeriesKey::new("opinion_weight", "", ""));
    for id in &ids {
        for k in Kind::ALL {
            keys.push(SeriesKey::new(&format!("instrument.{}", k.name()), id, ""));
        }
    }
    for t in &params.threats {
        let sender = ids[t.sender];
        keys.push(SeriesKey::new(
            &format!("threat_threatened.{}", t.id),
            sender,
            t.domain.name(),
        ));
        keys.push(SeriesKey::new(
            &format!("threat_imposed.{}", t.id),
            sender,
            t.domain.name(),
        ));
        keys.push(SeriesKey::new(
            &format!("belief.{}", t.id),
            sender,
            t.domain.name(),
        ));
    }
    keys
}

/// Appends one year's values in the order of `series`.
pub fn values(rec: &YearRecord, out: &mut Vec<f64>) {
    let n = rec.closeness.len();
    for p in 0..n {
        out.push(rec.aggregate[p]);
        out.extend_from_slice(&rec.closeness[p]);
    }
    out.extend_from_slice(&rec.affinity);
    out.extend_from_slice(&rec.poll_friend);
    out.extend_from_slice(&rec.poll_helped);
    out.extend_from_slice(&rec.poll_positive);
    out.push(rec.membership_support);
    out.push(rec.alignment);
    out.push(rec.leeway);
    out.extend_from_slice(&rec.leeway_domain);
    out.push(rec.hedging);
    out.push(rec.credibility);
    out.push(rec.opinion_weight);
    for p in 0..n {
        out.extend_from_slice(&rec.instruments[p]);
    }
    for (stage, belief) in rec.threat_stage.iter().zip(&rec.belief) {
        out.push(if *stage == Stage::Threatened {
            1.0
        } else {
            0.0
        });
        out.push(if *stage == Stage::Imposed { 1.0 } else { 0.0 });
        out.push(*belief);
    }
}

/// Range of a measure for the fixed-bin sketch used beyond the exact limit.
pub fn sketch_range(key: &SeriesKey) -> (f64, f64) {
    let m = key.measure.as_str();
    if m == "leeway" {
        (-20.0, 40.0)
    } else if m == "opinion_weight" {
        (0.0, 200.0)
    } else if m == "instrument.trade" {
        (0.0, 300.0)
    } else if m.starts_with("instrument.") {
        (0.0, 100.0)
    } else {
        (0.0, 1.0)
    }
}
