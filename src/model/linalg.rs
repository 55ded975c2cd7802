//! Small dense symmetric matrices: the smallest eigenvalue and its eigenvector, by Jacobi
//! rotations (n ≤ 8 here, so a direct method is both exact enough and fast).

/// Eigenvalues and eigenvectors of a symmetric `n × n` matrix given row-major in `a`.
/// Returns eigenvalues (unsorted) and eigenvectors as columns of a row-major matrix.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..64 {
        let mut off = 0.0;
        for i in 0..n {
            for j in i + 1..n {
                off += m[i * n + j] * m[i * n + j];
            }
        }
        if off < 1e-22 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[k * n + p];
                    let mkq = m[k * n + q];
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[p * n + k];
                    let mqk = m[q * n + k];
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| m[i * n + i]).collect(), v)
}

/// Smallest eigenvalue of a symmetric matrix.
pub fn min_eigenvalue(a: &[f64], n: usize) -> f64 {
    let (values, _) = symmetric_eigen(a, n);
    values.into_iter().fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (vals, _) = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        let mut v = vals.clone();
        v.sort_by(f64::total_cmp);
        assert!((v[0] - 1.0).abs() < 1e-12 && (v[1] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn four_by_four_trace_and_min() {
        let a = [
            4.0, 1.0, 0.5, 0.0, 1.0, 3.0, 0.2, 0.1, 0.5, 0.2, 2.0, 0.3, 0.0, 0.1, 0.3, 1.0,
        ];
        let (vals, vecs) = symmetric_eigen(&a, 4);
        let trace: f64 = vals.iter().sum();
        assert!((trace - 10.0).abs() < 1e-9);
        // A v = λ v for every pair.
        for (j, lambda) in vals.iter().enumerate() {
            for i in 0..4 {
                let av: f64 = (0..4).map(|k| a[i * 4 + k] * vecs[k * 4 + j]).sum();
                assert!((av - lambda * vecs[i * 4 + j]).abs() < 1e-9);
            }
        }
    }
}
