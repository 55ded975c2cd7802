//! What an analyst can hold against the world: polls, the alignment rate with the EU's
//! foreign-policy declarations, the leeway and hedging indices (docs/model.md §6). Phase 7.

use super::government::{is_election, opinion_weight};
use super::linalg::min_eigenvalue;
use super::opinion::framing;
use super::params::AgendaTarget;
use super::rng::Stream;
use super::types::{Domain, Kind, N_DOMAINS};
use super::world::World;
use rand::RngExt as _;

fn logistic(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// Standard normal distribution function (Abramowitz–Stegun 7.1.26, error < 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Points of the read-out tables over affinity in [0, 1].
const TABLE: usize = 1024;

/// 1.5 × 2^52: a double in [2^52, 2^53) has a spacing of 1, so adding this rounds a number of
/// magnitude below 2^51 to an integer kept in the low bits of the sum.
const ROUND: f64 = 6_755_399_441_055_744.0;

/// Read-out curves of a poll tabulated over affinity: `exp(β (a − 1))` for the choice of the
/// greatest friend, `exp(β_id (a − 1))` for the respondent's identity in "who helped most"
/// and `Φ((a − 0.5)/noise)` for a positive view. Linear interpolation on 1025 points errs by
/// at most `β² / (8 · 1024²)` relative: 1.2e-5 at the default `β = 10`. The three curves are interleaved, 32 bytes a point, so one
/// respondent's view of one power is one index and two neighbouring points (one cache line
/// or two adjacent ones); the table (32 KB) stays in the first-level cache with a row of
/// affinities, where a table that also stored each interval's slope would not (64 KB).
#[derive(Debug)]
pub struct Readouts {
    key: (u64, u64, u64),
    /// Per point `i` of `0..=TABLE`: friend, identity and positive read-outs at `i / TABLE`.
    points: Box<[Point; TABLE + 1]>,
}

/// One point of the read-out tables: `[friend, identity, positive, 0]`, 32 bytes, aligned
/// so that a point never straddles two cache lines.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(32))]
struct Point([f64; 4]);

impl Readouts {
    fn new(key: (u64, u64, u64)) -> Readouts {
        let (sharpness, noise, identity) = (
            f64::from_bits(key.0),
            f64::from_bits(key.1),
            f64::from_bits(key.2),
        );
        let curve = |f: &dyn Fn(f64) -> f64| -> Vec<f64> {
            (0..=TABLE).map(|i| f(i as f64 / TABLE as f64)).collect()
        };
        let friend = curve(&|a| (sharpness * (a - 1.0)).exp());
        let ident = curve(&|a| (identity * (a - 1.0)).exp());
        let positive = curve(&|a| {
            if noise > 0.0 {
                normal_cdf((a - 0.5) / noise)
            } else if a > 0.5 {
                1.0
            } else {
                0.0
            }
        });
        let mut points = Box::new([Point([0.0; 4]); TABLE + 1]);
        for (i, p) in points.iter_mut().enumerate() {
            *p = Point([friend[i], ident[i], positive[i], 0.0]);
        }
        Readouts { key, points }
    }

    /// The friend, identity and positive read-outs at affinity `a`.
    #[inline(always)]
    fn read(&self, a: f64) -> [f64; 3] {
        // Affinities are in [0, 1] (every update clamps them), so `u` is in [0, TABLE]. The
        // interval is found without a saturating conversion: adding 1.5 × 2^52 rounds
        // `u − 0.5` to an integer `k` held in the low bits of the sum, which is `⌊u⌋` except
        // at an integer `u`, where it may be `u − 1` with `f = 1`: the same point of the
        // piecewise linear curve. Whatever `a` is (NaN included), the minimum keeps the index
        // in the table.
        let u = a * TABLE as f64;
        let k = ((u - 0.5) + ROUND).to_bits() & 0xFFFF_FFFF;
        let i = (k as usize).min(TABLE - 1);
        let f = u - i as f64;
        let (p, q) = (&self.points[i].0, &self.points[i + 1].0);
        [
            p[0] + f * (q[0] - p[0]),
            p[1] + f * (q[1] - p[1]),
            p[2] + f * (q[2] - p[2]),
        ]
    }
}

/// What one year's poll sums over its respondents, per power (`N` powers).
struct PollSums<const N: usize> {
    /// Respondents naming each power the greatest friend.
    friend: [u32; N],
    /// Respondents naming none.
    friend_none: u32,
    /// Sums of the expected "helped most" answers, per power and for nobody.
    helped: [f64; N],
    helped_none: f64,
    /// Sums of the expected positive views.
    positive: [f64; N],
    /// Respondents for membership.
    member: u32,
}

/// What the poll reads of the year: the population's affinities and the answers' weights.
struct PollInput<'a> {
    tables: &'a Readouts,
    /// Affinity rows, one per power, each `citizens` long.
    rows: &'a [&'a [f64]],
    /// Citizens `0..n_pro` follow pro-government media.
    n_pro: usize,
    /// Framed remembered help per power and channel, raised to the contest exponent.
    aid_weight: &'a [[f64; 2]],
    aid_nobody: f64,
    /// The outside option's weight in the choice of the greatest friend.
    outside: f64,
    member_power: usize,
    threshold: f64,
    respondents: usize,
}

/// Respondents read out together: the block's per-respondent values fit in the first-level
/// cache (about 12 KB with four powers), and each pass over the block has few live values,
/// so its iterations are independent and vectorise.
const BLOCK: usize = 64;

/// The poll's sample: `respondents` citizens drawn uniformly with replacement, each read out
/// once. One 64-bit number per respondent: the high half of its product with the population
/// size is the citizen (bias below n / 2^64), the low half the uniform of the logit choice
/// (given the citizen it is uniform on a grid of spacing n / 2^64, finer than the 2^-53 of a
/// double, so the two are independent to the resolution of the draw). `N` is the number of
/// powers, a constant so that every per-power value stays in registers.
///
/// The respondents are read in blocks of [`BLOCK`], in passes: the citizens and their
/// uniforms; each power's read-outs; each respondent's answers; then the block's sums in a
/// fixed order (eight-lane sums), added to the year's totals block by block. The order of
/// every sum is fixed, so the result does not depend on the machine or the thread count.
fn sample_poll<const N: usize>(input: &PollInput, rng: &mut super::rng::Rng) -> PollSums<N> {
    let member_row = input.rows[input.member_power];
    let size = member_row.len();
    // Every row is the population's length (Params::new keeps at least one citizen): the
    // citizen's index below is clamped to it, which lets the reads go unchecked by the
    // compiler's own proof.
    let rows: [&[f64]; N] = std::array::from_fn(|q| &input.rows[q][..size]);
    let aid_weight: [[f64; 2]; N] = std::array::from_fn(|q| input.aid_weight[q]);
    let tables = input.tables;
    let mut totals = PollSums::<N> {
        friend: [0; N],
        friend_none: 0,
        helped: [0.0; N],
        helped_none: 0.0,
        positive: [0.0; N],
        member: 0,
    };
    let mut draws = [0u64; BLOCK];
    let mut citizen = [0usize; BLOCK];
    let mut uniform = [0.0f64; BLOCK];
    let mut pro = [false; BLOCK];
    let mut friend_w = [[0.0f64; BLOCK]; N];
    let mut identity_w = [[0.0f64; BLOCK]; N];
    let mut positive_w = [[0.0f64; BLOCK]; N];
    let mut helped_w = [[0.0f64; BLOCK]; N];
    let mut helped_none = [0.0f64; BLOCK];
    let mut choice = [0u8; BLOCK];
    let mut left = input.respondents;
    while left > 0 {
        let len = left.min(BLOCK);
        left -= len;
        // The stream is read in order, block after block: the same numbers as one fill.
        rng.fill(&mut draws[..len]);
        for b in 0..len {
            let x = u128::from(draws[b]) * size as u128;
            let i = ((x >> 64) as usize).min(size - 1);
            citizen[b] = i;
            pro[b] = i < input.n_pro;
            uniform[b] = ((x as u64) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        }
        for q in 0..N {
            let row = rows[q];
            for b in 0..len {
                let [f, identity, p] = tables.read(row[citizen[b]]);
                friend_w[q][b] = f;
                identity_w[q][b] = identity;
                positive_w[q][b] = p;
            }
        }
        for b in 0..len {
            let mut aid_total = input.aid_nobody;
            let mut total = input.outside;
            let mut aw = [0.0; N];
            for q in 0..N {
                let weight = if pro[b] {
                    aid_weight[q][0]
                } else {
                    aid_weight[q][1]
                };
                aw[q] = weight * identity_w[q][b];
                aid_total += aw[q];
                total += friend_w[q][b];
            }
            let inv = 1.0 / aid_total;
            for q in 0..N {
                helped_w[q][b] = aw[q] * inv;
            }
            helped_none[b] = input.aid_nobody * inv;
            // The first answer whose cumulative weight exceeds the uniform, counted without
            // branches: "none" (index N) when no power's does.
            let u = uniform[b] * total;
            let mut acc = 0.0;
            let mut c = 0u8;
            for w in &friend_w {
                acc += w[b];
                c += u8::from(acc <= u);
            }
            choice[b] = c;
        }
        for q in 0..N {
            totals.friend[q] += count(&choice[..len], q as u8);
            totals.helped[q] += super::citizens::lane_sum(&helped_w[q][..len]);
            totals.positive[q] += super::citizens::lane_sum(&positive_w[q][..len]);
        }
        totals.friend_none += count(&choice[..len], N as u8);
        totals.helped_none += super::citizens::lane_sum(&helped_none[..len]);
        for &i in &citizen[..len] {
            totals.member += u32::from(member_row[i] > input.threshold);
        }
    }
    totals
}

/// How many of `choices` are `k`.
fn count(choices: &[u8], k: u8) -> u32 {
    choices.iter().map(|&c| u32::from(c == k)).sum()
}

/// The poll's shares: `friend` and `helped` with "none" last, `positive`, and membership;
/// written into last year's vectors of the record.
type PollShares = (Vec<f64>, Vec<f64>, Vec<f64>, f64);

fn poll_shares<const N: usize>(input: &PollInput, rng: &mut super::rng::Rng, out: &mut PollShares) {
    let s = sample_poll::<N>(input, rng);
    let r = input.respondents as f64;
    let (friend, helped, positive, member) = out;
    friend.clear();
    friend.extend(
        s.friend
            .iter()
            .chain([&s.friend_none])
            .map(|&c| f64::from(c) / r),
    );
    helped.clear();
    helped.extend(s.helped.iter().chain([&s.helped_none]).map(|h| h / r));
    positive.clear();
    positive.extend(s.positive.iter().map(|p| p / r));
    *member = f64::from(s.member) / r;
}
thread_local! {
    /// The last tables built on this thread: consecutive runs of a study share them.
    static LAST_READOUTS: std::cell::RefCell<Option<std::sync::Arc<Readouts>>> =
        const { std::cell::RefCell::new(None) };
}

/// What the observation phase keeps from year to year: the poll's read-out tables (rebuilt
/// only when the poll's parameters change) and the leeway matrices with their eigenvalues.
#[derive(Clone, Debug, Default)]
pub struct PollTables {
    readouts: Option<std::sync::Arc<Readouts>>,
    /// The leeway matrices of the last year, per domain row-major, and their smallest
    /// eigenvalues: the matrices change only with parameters, so most years reuse them.
    leeway: (Vec<f64>, [f64; N_DOMAINS]),
}

impl PollTables {
    fn refresh(&mut self, sharpness: f64, noise: f64, identity: f64) -> std::sync::Arc<Readouts> {
        let key = (sharpness.to_bits(), noise.to_bits(), identity.to_bits());
        if let Some(r) = &self.readouts
            && r.key == key
        {
            return r.clone();
        }
        let r = LAST_READOUTS.with(|last| {
            let mut last = last.borrow_mut();
            match &*last {
                Some(r) if r.key == key => r.clone(),
                _ => {
                    let r = std::sync::Arc::new(Readouts::new(key));
                    *last = Some(r.clone());
                    r
                }
            }
        });
        self.readouts = Some(r.clone());
        r
    }
}

/// Leeway index per domain: the smallest eigenvalue of `Γ + μI + ω diag(1/(x̂+e)²) + R_d`, the
/// structural curvature of the government's utility (docs/model.md §6). It uses the regular
/// weight of opinion `μ`, not the election-year weight, and reads the option value's curvature
/// at the rest point `x̂` the structural ties were solved at, not at the current closeness
/// (where it grows without bound as a tie approaches zero): the index measures the system
/// (rivalry against the costs of moving), not the calendar or the position.
pub fn leeway(w: &World) -> [f64; N_DOMAINS] {
    let n = w.p.powers.len();
    let m = leeway_matrices(w);
    let mut out = [0.0; N_DOMAINS];
    for (d, slot) in out.iter_mut().enumerate() {
        *slot = min_eigenvalue(&m[d * n * n..(d + 1) * n * n], n);
    }
    out
}

/// The matrices of `leeway`, one per domain, row-major, one after the other.
fn leeway_matrices(w: &World) -> Vec<f64> {
    let n = w.p.powers.len();
    let g = &w.p.government;
    let mu = g.opinion_weight;
    let mut m = vec![0.0; N_DOMAINS * n * n];
    for d in 0..N_DOMAINS {
        for p in 0..n {
            for q in 0..n {
                m[(d * n + p) * n + q] = if p == q {
                    let xe = w.x_rest[p][d] + g.option_offset;
                    g.autonomy_cost[p] + mu + w.option_weight(p, d) / (xe * xe)
                } else {
                    w.p.rivalry_of(p, q, d)
                };
            }
        }
    }
    m
}

/// `leeway`, solving the eigenvalue problems again only when a matrix changed since the
/// last call (bit for bit, so the result is the same as solving every year).
fn leeway_memo(w: &mut World) -> [f64; N_DOMAINS] {
    let m = leeway_matrices(w);
    let memo = &w.poll_tables.leeway;
    let same = memo.0.len() == m.len()
        && memo
            .0
            .iter()
            .zip(&m)
            .all(|(a, b)| a.to_bits() == b.to_bits());
    if !same {
        let n = w.p.powers.len();
        let mut out = [0.0; N_DOMAINS];
        for (d, slot) in out.iter_mut().enumerate() {
            *slot = min_eigenvalue(&m[d * n * n..(d + 1) * n * n], n);
        }
        w.poll_tables.leeway = (m, out);
    }
    w.poll_tables.leeway.1
}

/// Alignment rate with the EU's declarations, driven by the agenda of the year.
pub fn alignment(w: &World) -> f64 {
    let al = &w.p.alignment;
    let agenda = al
        .agenda
        .iter()
        .rev()
        .find(|a| a.year <= w.year)
        .or(al.agenda.first());
    let dip = Domain::Diplomacy.index();
    let x_with = w.x[al.with][dip];
    match agenda {
        Some(a) => a
            .shares
            .iter()
            .map(|(t, share)| {
                let read = |x_t: f64| logistic(al.kappa0 + al.kappa1 * (x_with - x_t));
                match t {
                    // Costly declarations (sanctions, restrictive measures) are read against
                    // the tie to the target; cheap ones (statements, UN votes) as if they
                    // concerned third countries (docs/model.md §6).
                    AgendaTarget::Power(p) => {
                        let c = al.cheap_share;
                        let x_p = w.x[*p][dip];
                        share * ((1.0 - c) * read(x_p) + c * read(cheap_closeness(w, *p)))
                    }
                    AgendaTarget::Other => share * read(al.other_closeness),
                }
            })
            .sum(),
        None => logistic(al.kappa0 + al.kappa1 * (x_with - al.other_closeness)),
    }
}

/// The closeness to power `p` a cheap declaration on `p` is read against (docs/model.md §6):
/// a share `π` of the way from the tie to `p` (a costly declaration) to third countries
/// (`other_closeness`). `π = min(1, π_0 + χ κ I_acc ρ⁺)`: the state signals more where the
/// power whose declarations they are presses harder on `p` (its rivalry with `p` in
/// diplomacy) and more is at stake (the credibility of membership times the offer). Refusing
/// sanctions while voting for the General Assembly resolutions (2022–2023, events.csv) is
/// this pattern: cheap signals rise as the costly ones fall (Kuik 2008).
fn cheap_closeness(w: &World, p: usize) -> f64 {
    let al = &w.p.alignment;
    let dip = Domain::Diplomacy.index();
    let mut pi = al.cheap_base;
    if al.signal_effort > 0.0 {
        let offer =
            w.p.accession_power
                .map_or(0.0, |a| w.inst[a][Kind::Accession.index()].clamp(0.0, 1.0));
        let rho = w.p.rivalry_of(al.with, p, dip).max(0.0);
        pi = (pi + al.signal_effort * w.p.credibility * offer * rho).min(1.0);
    }
    if pi >= 1.0 {
        return al.other_closeness;
    }
    let x_p = w.x[p][dip];
    x_p + pi * (al.other_closeness - x_p)
}

/// Hedging index: in each domain, the normalised entropy of closeness across powers (1 = the
/// same closeness to every power, 0 = close to one power only), averaged with the domain
/// weights. Hedging happens domain by domain: a state that has chosen a camp in security but
/// not in the economy scores in between.
pub fn hedging(w: &World) -> f64 {
    let n = w.p.powers.len();
    if n < 2 {
        return 0.0;
    }
    let weights = w.p.government.domain_weights;
    (0..N_DOMAINS)
        .map(|d| {
            let total: f64 = (0..n).map(|q| w.x[q][d]).sum();
            let entropy = if total > 0.0 {
                -(0..n)
                    .map(|q| w.x[q][d] / total)
                    .filter(|s| *s > 0.0)
                    .map(|s| s * s.ln())
                    .sum::<f64>()
                    / (n as f64).ln()
            } else {
                0.0
            };
            weights[d] * entropy
        })
        .sum()
}

/// This year's simulated poll, written into `shares` (docs/model.md §6).
fn poll(w: &mut World, shares: &mut PollShares) {
    let n = w.p.powers.len();
    let year = w.year;
    let polls = w.p.polls.clone();
    let tables = w
        .poll_tables
        .refresh(polls.sharpness, polls.noise, polls.aid_identity);
    let cit = &w.citizens;

    // Simulated poll: a random sample of respondents, each answering by a logit choice.
    let member_power = w.p.accession_power.unwrap_or(w.p.alignment.with);
    let outside = (polls.sharpness * (polls.outside - 1.0)).exp();
    // "Who helped most": remembered visible help, framed by the respondent's channel, and
    // coloured by the respondent's own affinity (docs/model.md §6).
    // A contest of perceived help: each power's weight is its framed remembered help to the
    // power `r` (shares depend on ratios of help, not on its absolute level, so a growing
    // donor does not take every answer), "nobody" competes with the help level `h0`.
    let contest = |h: f64| {
        if h > 0.0 {
            (polls.aid_sharpness * h.ln()).exp()
        } else {
            0.0
        }
    };
    let mut aid_weight = [[0.0; 2]; 8];
    for (q, a) in aid_weight.iter_mut().enumerate().take(n) {
        let f = framing(w, q);
        *a = [0, 1].map(|c| contest(w.help[q] * f[c]));
    }
    let aid_nobody = contest(polls.aid_outside) * (-0.5 * polls.aid_identity).exp();
    let mut rows: [&[f64]; 8] = [&[]; 8];
    for (q, r) in rows.iter_mut().enumerate().take(n) {
        *r = cit.affinity(q);
    }
    let input = PollInput {
        tables: &tables,
        rows: &rows[..n],
        n_pro: cit.n_pro,
        aid_weight: &aid_weight[..n],
        aid_nobody,
        outside,
        member_power,
        threshold: polls.membership_threshold,
        respondents: polls.respondents,
    };
    // This year's sample: its own stream, the same whatever happened before.
    let mut rng = w.rng.at(Stream::Polls, year, 0);
    // At most 8 powers (Params::new); at least one citizen (Params::new).
    match n {
        1 => poll_shares::<1>(&input, &mut rng, shares),
        2 => poll_shares::<2>(&input, &mut rng, shares),
        3 => poll_shares::<3>(&input, &mut rng, shares),
        4 => poll_shares::<4>(&input, &mut rng, shares),
        5 => poll_shares::<5>(&input, &mut rng, shares),
        6 => poll_shares::<6>(&input, &mut rng, shares),
        7 => poll_shares::<7>(&input, &mut rng, shares),
        _ => poll_shares::<8>(&input, &mut rng, shares),
    }
}

/// Phase 7: fills this year's record.
pub fn observe(w: &mut World) {
    let n = w.p.powers.len();
    let mu = opinion_weight(w);
    let election = is_election(w);
    let year = w.year;
    let cred = w.p.credibility;
    let mut aggregate = [0.0; 8];
    for (q, a) in aggregate.iter_mut().enumerate().take(n) {
        *a = w.aggregate(q);
    }
    let mut shares: PollShares = (
        std::mem::take(&mut w.rec.poll_friend),
        std::mem::take(&mut w.rec.poll_helped),
        std::mem::take(&mut w.rec.poll_positive),
        0.0,
    );
    let lw = leeway_memo(w);
    if w.skip_poll {
        let nan = |v: &mut Vec<f64>, len: usize| {
            v.clear();
            v.resize(len, f64::NAN);
        };
        nan(&mut shares.0, n + 1);
        nan(&mut shares.1, n + 1);
        nan(&mut shares.2, n);
        shares.3 = f64::NAN;
    } else {
        poll(w, &mut shares);
    }
    let (friend, helped, positive, member) = shares;

    let alignment = alignment(w);
    let hedging = hedging(w);

    let rec = &mut w.rec;
    rec.year = year;
    rec.closeness.clone_from(&w.x);
    rec.aggregate.clear();
    rec.aggregate.extend_from_slice(&aggregate[..n]);
    rec.instruments.clone_from(&w.inst);
    rec.affinity.clone_from(&w.affinity);
    rec.poll_friend = friend;
    rec.poll_helped = helped;
    rec.poll_positive = positive;
    rec.membership_support = member;
    rec.alignment = alignment;
    rec.leeway_domain = lw;
    rec.leeway = lw.iter().copied().fold(f64::INFINITY, f64::min);
    rec.hedging = hedging;
    rec.credibility = cred;
    rec.opinion_weight = mu;
    rec.election = election;
    for (h, s) in w.threats.iter().enumerate() {
        rec.threat_stage[h] = s.stage;
        rec.belief[h] = w.belief[h];
    }
}

#[cfg(test)]
mod tests {
    use super::{Readouts, TABLE, normal_cdf};

    /// The tables read the three curves within the error of linear interpolation at every
    /// affinity, the points of the grid and both ends included; an affinity outside [0, 1] or NaN reads some point
    /// of the table and does not panic.
    #[test]
    fn readouts_follow_the_curves_everywhere() {
        let (beta, noise, beta_id) = (10.0_f64, 0.1_f64, 3.0_f64);
        let r = Readouts::new((beta.to_bits(), noise.to_bits(), beta_id.to_bits()));
        let steps = 40 * TABLE;
        for j in 0..=steps {
            let a = j as f64 / steps as f64;
            let [f, id, p] = r.read(a);
            let (ef, eid, ep) = (
                (beta * (a - 1.0)).exp(),
                (beta_id * (a - 1.0)).exp(),
                normal_cdf((a - 0.5) / noise),
            );
            // Linear interpolation of exp(β a) errs by at most β² h² / 8 relative (h the
            // spacing), of Φ(z / σ) by at most 0.242 h² / (8 σ²).
            let h2 = (1.0 / TABLE as f64).powi(2);
            let bound = |b: f64| 1.01 * b * b * h2 / 8.0;
            assert!(
                (f - ef).abs() <= bound(beta) * ef,
                "friend at {a}: {f} vs {ef}"
            );
            assert!(
                (id - eid).abs() <= bound(beta_id) * eid,
                "identity at {a}: {id} vs {eid}"
            );
            let bound_p = 1.01 * 0.242 * h2 / (8.0 * noise * noise) + 1e-15;
            assert!((p - ep).abs() <= bound_p, "positive at {a}: {p} vs {ep}");
        }
        for a in [f64::NAN, -0.3, 1.7, f64::INFINITY, f64::NEG_INFINITY] {
            let _ = r.read(a);
        }
    }

    #[test]
    fn normal_cdf_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }
}
