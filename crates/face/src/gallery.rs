//! 1:N matching over every enrolled face.
//!
//! Each template is kept twice: as f32 (exact) and as i8 (×256, a quarter of the memory) for
//! the scan. The scan's distance is off by at most [`QUANT_ERROR`], so every template whose
//! scanned distance is within twice that of the two best is measured again exactly: the
//! result — best match and runner-up — is exactly what a full f32 scan would give.

use crate::embed::DIM;

/// A face descriptor (dlib ResNet, 128 dimensions; Euclidean distance).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Template(pub [f32; DIM]);

impl Template {
    pub fn distance(&self, other: &Template) -> f32 {
        l2(&self.0, &other.0)
    }

    /// Little-endian f32, 512 bytes: how a template is stored as a blob.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    pub fn from_bytes(b: &[u8]) -> Option<Template> {
        if b.len() != DIM * 4 {
            return None;
        }
        let mut t = [0f32; DIM];
        for (v, c) in t.iter_mut().zip(b.chunks_exact(4)) {
            *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if !v.is_finite() {
                return None;
            }
        }
        Some(Template(t))
    }
}

fn l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

const SCALE: f32 = 256.0;
/// Largest difference between the scan's distance and the exact one: each dimension of each
/// side is off by at most 0.5/SCALE, so the difference vector by 1/SCALE per dimension.
pub const QUANT_ERROR: f32 = 11.313_709 / SCALE; // sqrt(128) / SCALE

fn quantise(t: &Template) -> [i8; DIM] {
    t.0.map(|v| (v * SCALE).round().clamp(-127.0, 127.0) as i8)
}

/// The quantised distance squared, in quantised units (vectorises on plain x86-64).
fn q_dist2(a: &[i8; DIM], b: &[i8]) -> i32 {
    let mut s = 0i32;
    for (x, y) in a.iter().zip(b) {
        let d = i32::from(*x) - i32::from(*y);
        s += d * d;
    }
    s
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub key: u64,
    pub distance: f32,
    /// Distance of the nearest other enrolled face, if any.
    pub runner_up: Option<f32>,
}

#[derive(Default)]
pub struct Gallery {
    keys: Vec<u64>,
    exact: Vec<f32>,
    quant: Vec<i8>,
    /// Templates whose values do not fit the i8 scale are always measured exactly.
    outliers: Vec<usize>,
}

impl Gallery {
    pub fn new() -> Gallery {
        Gallery::default()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Add or replace the template of `key`.
    pub fn insert(&mut self, key: u64, t: &Template) {
        self.remove(key);
        let i = self.keys.len();
        self.keys.push(key);
        self.exact.extend_from_slice(&t.0);
        self.quant.extend_from_slice(&quantise(t));
        if t.0.iter().any(|v| (v * SCALE).abs() > 127.0) {
            self.outliers.push(i);
        }
    }

    pub fn remove(&mut self, key: u64) -> bool {
        let Some(i) = self.keys.iter().position(|k| *k == key) else {
            return false;
        };
        let last = self.keys.len() - 1;
        self.keys.swap_remove(i);
        // Move the last row into row i.
        let (a, b) = (i * DIM, last * DIM);
        if a != b {
            self.exact.copy_within(b..b + DIM, a);
            self.quant.copy_within(b..b + DIM, a);
        }
        self.exact.truncate(last * DIM);
        self.quant.truncate(last * DIM);
        self.outliers.retain(|&o| o != i);
        for o in self.outliers.iter_mut() {
            if *o == last {
                *o = i;
            }
        }
        true
    }

    pub fn clear(&mut self) {
        *self = Gallery::default();
    }

    fn exact_at(&self, i: usize, q: &Template) -> f32 {
        l2(&q.0, &self.exact[i * DIM..(i + 1) * DIM])
    }

    /// The nearest enrolled face and the runner-up (exact distances).
    pub fn best(&self, q: &Template) -> Option<Match> {
        if self.keys.is_empty() {
            return None;
        }
        let qq = quantise(q);
        let q_exact_fits = q.0.iter().all(|v| (v * SCALE).abs() <= 127.0);
        // The two smallest scanned distances so far, and every row that might beat them.
        let slack = 2.0 * QUANT_ERROR * SCALE;
        let mut top = [f32::INFINITY; 2];
        let mut cands: Vec<(usize, f32)> = Vec::new();
        for (i, row) in self.quant.chunks_exact(DIM).enumerate() {
            let d = (q_dist2(&qq, row) as f32).sqrt();
            if d < top[1] {
                if d < top[0] {
                    top = [d, top[0]];
                } else {
                    top[1] = d;
                }
            }
            if d <= top[1] + slack {
                cands.push((i, d));
            }
        }
        let limit = top[1] + slack;
        let mut rows: Vec<usize> = if q_exact_fits {
            cands
                .into_iter()
                .filter(|(_, d)| *d <= limit)
                .map(|(i, _)| i)
                .collect()
        } else {
            (0..self.keys.len()).collect()
        };
        rows.extend(self.outliers.iter().copied());
        rows.sort_unstable();
        rows.dedup();
        let mut best: Option<(usize, f32)> = None;
        let mut second: Option<f32> = None;
        for i in rows {
            let d = self.exact_at(i, q);
            match best {
                Some((_, b)) if d >= b => {
                    if second.is_none_or(|s| d < s) {
                        second = Some(d);
                    }
                }
                _ => {
                    if let Some((_, b)) = best {
                        second = Some(b);
                    }
                    best = Some((i, d));
                }
            }
        }
        best.map(|(i, d)| Match {
            key: self.keys[i],
            distance: d,
            runner_up: second,
        })
    }

    /// The same answer by a plain f32 scan (for tests and the benchmark's comparison).
    pub fn best_exhaustive(&self, q: &Template) -> Option<Match> {
        let mut v: Vec<(f32, u64)> = (0..self.keys.len())
            .map(|i| (self.exact_at(i, q), self.keys[i]))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v.first().map(|&(d, key)| Match {
            key,
            distance: d,
            runner_up: v.get(1).map(|x| x.0),
        })
    }
}

/// When a match counts: close enough, and clearly closer than anybody else.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchPolicy {
    /// Largest distance accepted as the same person.
    pub threshold: f32,
    /// The runner-up must be at least this much farther than the best.
    pub margin: f32,
}

/// Measured on the registry packages' photos (README "Face check-in"; the test
/// `same_person_is_close_and_different_people_are_not_matched`): the same person 0.26–0.43,
/// different people 0.57 and more.
pub const DEFAULT_POLICY: MatchPolicy = MatchPolicy {
    threshold: 0.50,
    margin: 0.08,
};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    Match {
        key: u64,
        distance: f32,
    },
    /// Nobody close enough.
    Unknown {
        nearest: Option<f32>,
    },
    /// Close to two people: not decided.
    Ambiguous {
        distance: f32,
        runner_up: f32,
    },
}

impl MatchPolicy {
    pub fn decide(&self, m: Option<Match>) -> Decision {
        let Some(m) = m else {
            return Decision::Unknown { nearest: None };
        };
        if m.distance > self.threshold {
            return Decision::Unknown {
                nearest: Some(m.distance),
            };
        }
        match m.runner_up {
            Some(r) if r - m.distance < self.margin => Decision::Ambiguous {
                distance: m.distance,
                runner_up: r,
            },
            _ => Decision::Match {
                key: m.key,
                distance: m.distance,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(seed: u64) -> Template {
        // A deterministic pseudo-random descriptor with dlib-like magnitudes (±0.25).
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        Template([0f32; DIM].map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x % 10_000) as f32 / 10_000.0 - 0.5) * 0.5
        }))
    }

    #[test]
    fn template_bytes_round_trip_and_refuse_damage() {
        let a = t(1);
        assert_eq!(Template::from_bytes(&a.to_bytes()), Some(a));
        assert_eq!(Template::from_bytes(&[0u8; 10]), None);
        let mut nan = a.to_bytes();
        nan[0..4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(Template::from_bytes(&nan), None);
    }

    #[test]
    fn insert_replace_remove() {
        let mut g = Gallery::new();
        for k in 0..10 {
            g.insert(k, &t(k));
        }
        g.insert(3, &t(33));
        assert_eq!(g.len(), 10);
        assert_eq!(g.best(&t(33)).map(|m| m.key), Some(3));
        assert!(g.remove(0));
        assert!(!g.remove(0));
        assert_eq!(g.len(), 9);
        for k in 1..10 {
            let q = if k == 3 { t(33) } else { t(k) };
            let m = g.best(&q).expect("match");
            assert_eq!(m.key, k);
            assert!(m.distance < 1e-6);
        }
    }

    proptest! {
        #[test]
        fn scan_equals_the_exact_search(n in 1usize..300, q in 0u64..1000, noise in 0.0f32..0.3) {
            let mut g = Gallery::new();
            for k in 0..n as u64 {
                g.insert(k, &t(k));
            }
            let mut query = t(q % (n as u64 + 5));
            for (i, v) in query.0.iter_mut().enumerate() {
                *v += noise * ((i % 7) as f32 - 3.0) / 10.0;
            }
            let a = g.best(&query).expect("some");
            let b = g.best_exhaustive(&query).expect("some");
            prop_assert_eq!(a.key, b.key);
            prop_assert!((a.distance - b.distance).abs() < 1e-5);
            match (a.runner_up, b.runner_up) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-5),
                (x, y) => prop_assert_eq!(x, y),
            }
        }
    }

    #[test]
    fn policy_needs_threshold_and_margin() {
        let p = DEFAULT_POLICY;
        let m = |d: f32, r: Option<f32>| {
            Some(Match {
                key: 7,
                distance: d,
                runner_up: r,
            })
        };
        assert_eq!(
            p.decide(m(0.4, Some(0.9))),
            Decision::Match {
                key: 7,
                distance: 0.4
            }
        );
        assert!(matches!(p.decide(m(0.7, None)), Decision::Unknown { .. }));
        assert!(matches!(
            p.decide(m(0.40, Some(0.43))),
            Decision::Ambiguous { .. }
        ));
        assert_eq!(p.decide(None), Decision::Unknown { nearest: None });
    }
}
