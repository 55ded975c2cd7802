//! Quantile functions of the distributions of uncertain numbers, for mapping a design on
//! the unit hypercube (Latin hypercube, Sobol, Morris) onto a scenario's own distributions.

use super::number::Dist;

impl Dist {
    /// The value below which a share `u` of draws falls (`u` is clamped into (0, 1) so that an
    /// unbounded normal stays finite).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = if u.is_finite() {
            u.clamp(1e-9, 1.0 - 1e-9)
        } else {
            0.5
        };
        match *self {
            Dist::Uniform { min, max } => min + u * (max - min),
            Dist::Normal { mean, sd } => mean + sd * normal_quantile(u),
            Dist::Triangular { min, mode, max } => {
                let split = if max > min {
                    (mode - min) / (max - min)
                } else {
                    0.5
                };
                if u < split {
                    min + (u * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * (max - min) * (max - mode)).sqrt()
                }
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * beta_quantile(u, alpha, beta),
            // A design over a posterior's numbers spans the particles' range evenly: the
            // particles themselves are a joint sample, not a marginal to invert.
            Dist::Particles { min, max, .. } => min + u * (max - min),
        }
    }
}

/// Inverse of the standard normal distribution function (Acklam's rational approximation,
/// relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let low = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < low {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - low {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

fn ln_gamma(x: f64) -> f64 {
    // Lanczos approximation (g = 7, n = 9), accurate to about 1e-15 for x > 0.
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    let tiny = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = if d.abs() < tiny { tiny } else { d };
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        for (k, step) in [
            num,
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ]
        .into_iter()
        .enumerate()
        {
            d = 1.0 + step * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = 1.0 + step / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            h *= d * c;
            if k == 1 && (d * c - 1.0).abs() < 1e-14 {
                return h;
            }
        }
    }
    h
}

/// Regularised incomplete beta function `I_x(a, b)`.
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// Inverse of `beta_cdf` by bisection (60 halvings: exact to double precision).
fn beta_quantile(u: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if beta_cdf(mid, a, b) < u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_invert_known_distribution_functions() {
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-8);
        // Beta(2, 2): I_x = 3x² − 2x³.
        for x in [0.1, 0.3, 0.5, 0.8] {
            let want = 3.0 * x * x - 2.0 * x * x * x;
            assert!((beta_cdf(x, 2.0, 2.0) - want).abs() < 1e-12);
            assert!((beta_quantile(want, 2.0, 2.0) - x).abs() < 1e-9);
        }
        // Beta(0.5, 0.5) is the arcsine law: I_x = (2/π) asin(√x).
        let x: f64 = 0.2;
        let want = 2.0 / std::f64::consts::PI * x.sqrt().asin();
        assert!((beta_cdf(x, 0.5, 0.5) - want).abs() < 1e-10);
        let t = Dist::Triangular {
            min: 0.0,
            mode: 0.25,
            max: 1.0,
        };
        assert!((t.quantile(0.25) - 0.25).abs() < 1e-12);
        let uni = Dist::Uniform { min: 2.0, max: 4.0 };
        assert!((uni.quantile(0.5) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn quantile_of_uniform_grid_reproduces_the_mean() {
        let d = Dist::Beta {
            alpha: 2.0,
            beta: 5.0,
            min: 1.0,
            max: 3.0,
        };
        let n = 4000;
        let mean: f64 = (0..n)
            .map(|i| d.quantile((f64::from(i) + 0.5) / f64::from(n)))
            .sum::<f64>()
            / f64::from(n);
        assert!((mean - d.center()).abs() < 1e-3, "{mean} vs {}", d.center());
    }
}
