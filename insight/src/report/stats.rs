//! The statistics of a split: is the difference between its arms' conversion rates real?
//!
//! Two arms: the two-proportion z-test (pooled standard error) and a 95% confidence interval
//! of the difference (unpooled, Wald). More arms: Pearson's chi-square test of independence on
//! the arms × (converted, not converted) table, with the interval for the best against the
//! worst arm. When the difference is not significant, the usual sample size for two
//! proportions, `n = (z₀.₉₇₅ + z₀.₈₀)² · (p₁q₁ + p₂q₂) / (p₁ − p₂)²` per arm, says how many
//! contacts would show it at 80% power. The distributions come from `statrs`.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// The significance level.
pub const ALPHA: f64 = 0.05;
/// The power of the sample-size estimate.
pub const POWER: f64 = 0.8;

/// One arm: contacts and conversions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arm {
    /// Contacts.
    pub n: u64,
    /// Conversions.
    pub x: u64,
}

impl Arm {
    /// The conversion rate (0 without contacts).
    pub fn rate(self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.x as f64 / self.n as f64
        }
    }
}

/// The outcome of a test between arms.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    /// `z` (two arms) or `chi_square`.
    pub method: &'static str,
    /// The statistic (z or χ²).
    pub statistic: f64,
    /// Degrees of freedom (chi-square only).
    pub df: Option<u64>,
    /// The p-value.
    pub p_value: f64,
    /// The two arms compared by the difference: `(low, high)` (the first and the second arm;
    /// with more arms the lowest and the highest rate).
    pub compared: (usize, usize),
    /// The difference of their rates, `high − low`.
    pub difference: f64,
    /// Its 95% confidence interval (Wald, clamped to [-1, 1]).
    pub ci95: (f64, f64),
    /// Whether `p < ALPHA`.
    pub significant: bool,
    /// Contacts per arm for 80% power at the observed rates (`None` when they are equal).
    pub needed_per_arm: Option<u64>,
}

fn z_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Tests whether the arms' rates differ; `None` with fewer than two arms that have contacts.
pub fn test(arms: &[Arm]) -> Option<Test> {
    let used: Vec<usize> = (0..arms.len()).filter(|&i| arms[i].n > 0).collect();
    if used.len() < 2 {
        return None;
    }
    let z975 = z_quantile(1.0 - ALPHA / 2.0);
    let (method, statistic, df, p_value, compared) = if arms.len() == 2 {
        let (a, b) = (arms[0], arms[1]);
        let pooled = (a.x + b.x) as f64 / (a.n + b.n) as f64;
        let se = (pooled * (1.0 - pooled) * (1.0 / a.n as f64 + 1.0 / b.n as f64)).sqrt();
        let z = if se > 0.0 {
            (b.rate() - a.rate()) / se
        } else {
            0.0
        };
        let p = 2.0 * (1.0 - Normal::standard().cdf(z.abs()));
        ("z", z, None, p, (0, 1))
    } else {
        let total_n: u64 = used.iter().map(|&i| arms[i].n).sum();
        let total_x: u64 = used.iter().map(|&i| arms[i].x).sum();
        let mut chi = 0.0;
        for &i in &used {
            let arm = arms[i];
            for (observed, column) in [(arm.x, total_x), (arm.n - arm.x, total_n - total_x)] {
                let expected = arm.n as f64 * column as f64 / total_n as f64;
                if expected > 0.0 {
                    chi += (observed as f64 - expected).powi(2) / expected;
                }
            }
        }
        let df = used.len() as u64 - 1;
        let p = ChiSquared::new(df as f64)
            .map(|d| 1.0 - d.cdf(chi))
            .unwrap_or(1.0);
        let by_rate = |f: fn(f64, f64) -> bool| {
            used.iter().copied().fold(used[0], |best, i| {
                if f(arms[i].rate(), arms[best].rate()) {
                    i
                } else {
                    best
                }
            })
        };
        let low = by_rate(|a, b| a < b);
        let high = by_rate(|a, b| a > b);
        ("chi_square", chi, Some(df), p, (low, high))
    };
    let (lo, hi) = (arms[compared.0], arms[compared.1]);
    let difference = hi.rate() - lo.rate();
    let se = (lo.rate() * (1.0 - lo.rate()) / lo.n as f64
        + hi.rate() * (1.0 - hi.rate()) / hi.n as f64)
        .sqrt();
    Some(Test {
        method,
        statistic,
        df,
        p_value: p_value.clamp(0.0, 1.0),
        compared,
        difference,
        // A difference of rates lies in [-1, 1]; the Wald interval of a small sample may not.
        ci95: (
            (difference - z975 * se).max(-1.0),
            (difference + z975 * se).min(1.0),
        ),
        significant: p_value < ALPHA,
        needed_per_arm: sample_size(lo.rate(), hi.rate()),
    })
}

/// Contacts per arm to tell rates `p1` and `p2` apart at level [`ALPHA`] with [`POWER`].
pub fn sample_size(p1: f64, p2: f64) -> Option<u64> {
    let delta = (p1 - p2).abs();
    if delta == 0.0 {
        return None;
    }
    let z = z_quantile(1.0 - ALPHA / 2.0) + z_quantile(POWER);
    let n = z * z * (p1 * (1.0 - p1) + p2 * (1.0 - p2)) / (delta * delta);
    Some(n.ceil() as u64)
}

/// The plain sentence for a split's result (`names`: the arms).
pub fn sentence(test: Option<&Test>, arms: &[Arm], names: &[String]) -> String {
    let Some(test) = test else {
        return "Fewer than two arms have contacts, so there is nothing to compare yet.".into();
    };
    let pct = |i: usize| format!("{:.1}%", arms[i].rate() * 100.0);
    let (lo, hi) = test.compared;
    let p = format_p(test.p_value);
    if test.significant {
        let (better, worse) = if arms[hi].rate() >= arms[lo].rate() {
            (hi, lo)
        } else {
            (lo, hi)
        };
        return format!(
            "Significant at the 95% level ({p}): {} converts at {} against {} for {}.",
            names[better],
            pct(better),
            pct(worse),
            names[worse]
        );
    }
    let head = format!(
        "Not significant at the 95% level ({p}): {} converts at {} and {} at {}.",
        names[lo],
        pct(lo),
        names[hi],
        pct(hi)
    );
    match test.needed_per_arm {
        None => {
            format!("{head} The rates are equal, so no number of contacts would tell them apart.")
        }
        Some(needed) => {
            let have = arms.iter().map(|a| a.n).min().unwrap_or(0);
            let more = needed.saturating_sub(have);
            format!(
                "{head} At these rates it would take about {} more contacts per arm ({} in each) to tell them apart with 80% power.",
                thousands(more),
                thousands(needed)
            )
        }
    }
}

/// `p = 0.034`, `p < 0.001`.
pub fn format_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn two_proportions() {
        // 20/100 against 40/100: pooled 0.3, se = sqrt(0.21 * 0.02) = 0.0648, z = 3.086.
        let t = test(&[Arm { n: 100, x: 20 }, Arm { n: 100, x: 40 }]).unwrap();
        assert!((t.statistic - 3.0861).abs() < 1e-3);
        assert!((t.p_value - 0.00203).abs() < 1e-4);
        assert!(t.significant);
        assert!((t.ci95.0 - 0.0761).abs() < 1e-3);
    }

    #[test]
    fn chi_square_of_three_arms() {
        // 10/50, 20/50, 30/50: χ² = 16.667 with 2 df, p = 0.00024.
        let arms = [
            Arm { n: 50, x: 10 },
            Arm { n: 50, x: 20 },
            Arm { n: 50, x: 30 },
        ];
        let t = test(&arms).unwrap();
        assert!((t.statistic - 16.6667).abs() < 1e-3);
        assert!((t.p_value - 0.000240).abs() < 1e-5);
        assert_eq!(t.compared, (0, 2));
    }

    #[test]
    fn sample_size_of_ten_against_fifteen_percent() {
        // (1.95996 + 0.84162)² · (0.09 + 0.1275) / 0.0025 = 682.6 → 683.
        assert_eq!(sample_size(0.10, 0.15), Some(683));
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
