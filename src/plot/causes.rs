//! The causes of a move of closeness, as every drivers chart and comparison shows them: one
//! fixed colour and one plain label per cause, looked up by the cause's output name
//! (`instrument.loans`, `threat.us_5g`, `rivalry.US`, ...). A cause has the same colour in
//! every chart of every output, whatever else the chart shows and in whatever order. Knows
//! nothing of the model beyond these names.

use plotters::style::RGBColor;

use super::PowerStyle;
use super::look;

/// Causes with a fixed colour and label: (output name, label, colour).
const TABLE: [(&str, &str, RGBColor); 20] = [
    ("instrument.grants", "grants", RGBColor(31, 119, 180)),
    ("instrument.loans", "loans and FDI", RGBColor(255, 127, 14)),
    ("instrument.trade", "trade", RGBColor(140, 86, 75)),
    ("instrument.health_aid", "health aid", RGBColor(44, 160, 44)),
    ("instrument.arms", "arms", RGBColor(107, 110, 20)),
    ("instrument.tech", "technology", RGBColor(23, 190, 207)),
    (
        "instrument.sovereignty_support",
        "sovereignty support",
        RGBColor(148, 103, 189),
    ),
    (
        "instrument.accession",
        "accession perspective",
        RGBColor(0, 45, 110),
    ),
    (
        "promotion",
        "promotion (media image)",
        RGBColor(227, 119, 194),
    ),
    (
        "sanctions",
        "sanctions in force (damage)",
        RGBColor(120, 0, 10),
    ),
    (
        "sanction_busting",
        "sanction busting (compensation)",
        RGBColor(230, 171, 2),
    ),
    (
        "structural_ties",
        "structural ties",
        RGBColor(199, 199, 199),
    ),
    ("autonomy_cost", "autonomy cost", RGBColor(64, 64, 64)),
    ("public_opinion", "public opinion", RGBColor(120, 200, 110)),
    (
        "option_value",
        "option value of hedging",
        RGBColor(197, 176, 213),
    ),
    ("inertia", "inertia", RGBColor(150, 210, 225)),
    ("move_cap", "move cap", RGBColor(170, 170, 170)),
    ("bounds", "bounds (0 and 1)", RGBColor(210, 210, 180)),
    ("noise", "decision noise", RGBColor(235, 235, 235)),
    ("other", "other (each small)", RGBColor(185, 160, 140)),
];

/// Reds for threats, picked by a hash of the threat's id so that a threat keeps its colour in
/// every scenario that declares it.
const THREATS: [RGBColor; 4] = [
    RGBColor(214, 39, 40),
    RGBColor(255, 140, 130),
    RGBColor(170, 40, 90),
    RGBColor(240, 90, 30),
];

/// FNV-1a: a fixed hash (std's is seeded per process).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The colour of a cause: fixed for named causes; a red of its own for each threat; the
/// rival power's colour, greyed, for rivalry with a power; a fixed grey for anything else.
pub(super) fn color(cause: &str, powers: &[PowerStyle]) -> RGBColor {
    if let Some((_, _, c)) = TABLE.iter().find(|(n, _, _)| *n == cause) {
        return *c;
    }
    if let Some(id) = cause.strip_prefix("threat.") {
        return THREATS[(fnv(id) % THREATS.len() as u64) as usize];
    }
    if let Some(id) = cause.strip_prefix("rivalry.")
        && let Some(p) = powers.iter().find(|p| p.id == id)
    {
        let c = look::rgb(p.color);
        let grey = |v: u8| ((u16::from(v) + 2 * 150) / 3) as u8;
        return RGBColor(grey(c.0), grey(c.1), grey(c.2));
    }
    RGBColor(110, 110, 110)
}

/// The label of a cause in legends: plain words, the power's name for rivalry.
pub fn label(cause: &str, powers: &[PowerStyle]) -> String {
    if let Some((_, l, _)) = TABLE.iter().find(|(n, _, _)| *n == cause) {
        return (*l).to_string();
    }
    if let Some(id) = cause.strip_prefix("threat.") {
        return format!("threat {id} (expected cost)");
    }
    if let Some(id) = cause.strip_prefix("rivalry.") {
        let name = powers
            .iter()
            .find(|p| p.id == id)
            .map_or(id, |p| p.name.as_str());
        return format!("rivalry with {name}");
    }
    cause.replace('_', " ")
}

/// Causes that respond to a move rather than make it: they resist or limit whatever the
/// scenario's own forces do.
pub fn is_response(cause: &str) -> bool {
    matches!(
        cause,
        "autonomy_cost"
            | "public_opinion"
            | "option_value"
            | "inertia"
            | "move_cap"
            | "bounds"
            | "noise"
            | "structural_ties"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_causes_have_distinct_colours() {
        for (i, a) in TABLE.iter().enumerate() {
            for b in &TABLE[i + 1..] {
                assert_ne!(a.2, b.2, "{} and {} share a colour", a.0, b.0);
            }
        }
    }

    #[test]
    fn a_threat_keeps_its_colour_whatever_else_exists() {
        assert_eq!(color("threat.us_5g", &[]), color("threat.us_5g", &[]));
        assert_ne!(color("threat.us_5g", &[]), color("sanctions", &[]));
    }
}
