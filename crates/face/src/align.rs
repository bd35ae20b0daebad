//! Alignment: the similarity transform (rotation, uniform scale, shift) that best maps the
//! five landmarks onto where dlib's face chip puts them (150x150, padding 0.25), and the
//! warp. The template points are dlib's mean face shape (`get_face_chip_details`): eye
//! centres as the mean of each eye's six points, the nose tip, the mouth corners.

use image::{Rgb, RgbImage, imageops};

use crate::embed::CHIP;

const fn chip_point(x: f32, y: f32) -> [f32; 2] {
    // (padding + p) / (2 * padding + 1) * size, padding 0.25.
    [
        (x + 0.25) / 1.5 * CHIP as f32,
        (y + 0.25) / 1.5 * CHIP as f32,
    ]
}

/// Where the five landmarks land in the chip.
pub const TEMPLATE: [[f32; 2]; 5] = [
    chip_point(0.225_491_8, 0.215_990_3),
    chip_point(0.754_761_3, 0.215_990_3),
    chip_point(0.490_127, 0.515_625),
    chip_point(0.254_149, 0.780_233),
    chip_point(0.726_104, 0.780_233),
];

/// `p' = [a -b; b a] p + t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        [
            self.a * p[0] - self.b * p[1] + self.tx,
            self.b * p[0] + self.a * p[1] + self.ty,
        ]
    }
    pub fn scale(&self) -> f32 {
        (self.a * self.a + self.b * self.b).sqrt()
    }

    /// Least-squares fit from `from` to `to` (closed form for 2-D similarity).
    pub fn fit(from: &[[f32; 2]], to: &[[f32; 2]]) -> Similarity {
        let n = from.len().min(to.len()).max(1) as f32;
        let mean = |v: &[[f32; 2]]| {
            let s = v.iter().fold([0.0, 0.0], |a, p| [a[0] + p[0], a[1] + p[1]]);
            [s[0] / n, s[1] / n]
        };
        let (mf, mt) = (mean(from), mean(to));
        let (mut sxx, mut sab, mut sba) = (0.0, 0.0, 0.0);
        for (f, t) in from.iter().zip(to) {
            let (fx, fy) = (f[0] - mf[0], f[1] - mf[1]);
            let (tx, ty) = (t[0] - mt[0], t[1] - mt[1]);
            sxx += fx * fx + fy * fy;
            sab += fx * tx + fy * ty;
            sba += fx * ty - fy * tx;
        }
        let (a, b) = if sxx > 0.0 {
            (sab / sxx, sba / sxx)
        } else {
            (1.0, 0.0)
        };
        Similarity {
            a,
            b,
            tx: mt[0] - (a * mf[0] - b * mf[1]),
            ty: mt[1] - (b * mf[0] + a * mf[1]),
        }
    }
}

fn sample(img: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let px = |xx: i64, yy: i64| -> [f32; 3] {
        if xx < 0 || yy < 0 || xx >= w || yy >= h {
            return [0.0; 3];
        }
        let p = img.get_pixel(xx as u32, yy as u32).0;
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };
    let (a, b, c, d) = (
        px(x0, y0),
        px(x0 + 1, y0),
        px(x0, y0 + 1),
        px(x0 + 1, y0 + 1),
    );
    let mut out = [0u8; 3];
    for k in 0..3 {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        out[k] = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
    }
    Rgb(out)
}

/// The aligned 150x150 chip of the face with these landmarks.
pub fn chip(img: &RgbImage, landmarks: &[[f32; 2]; 5]) -> RgbImage {
    // chip → image.
    let t = Similarity::fit(&TEMPLATE, landmarks);
    let s = t.scale();
    if s > 1.5 {
        // Shrink first (area-averaging) so that the bilinear warp does not alias.
        let factor = s / 1.2;
        let (w, h) = img.dimensions();
        let (nw, nh) = (
            ((w as f32 / factor) as u32).max(1),
            ((h as f32 / factor) as u32).max(1),
        );
        let small = imageops::resize(img, nw, nh, imageops::FilterType::Triangle);
        let lm = landmarks.map(|p| [p[0] / factor, p[1] / factor]);
        return chip(&small, &lm);
    }
    RgbImage::from_fn(CHIP as u32, CHIP as u32, |u, v| {
        let p = t.apply([u as f32 + 0.5, v as f32 + 0.5]);
        sample(img, p[0] - 0.5, p[1] - 0.5)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_known_similarity() {
        let t = Similarity {
            a: 1.2 * 0.3f32.cos(),
            b: 1.2 * 0.3f32.sin(),
            tx: 13.0,
            ty: -4.0,
        };
        let to: Vec<[f32; 2]> = TEMPLATE.iter().map(|p| t.apply(*p)).collect();
        let f = Similarity::fit(&TEMPLATE, &to);
        for (x, y) in [(f.a, t.a), (f.b, t.b), (f.tx, t.tx), (f.ty, t.ty)] {
            assert!((x - y).abs() < 1e-3, "{f:?} vs {t:?}");
        }
    }

    #[test]
    fn template_is_symmetric_about_the_middle() {
        let mid = CHIP as f32 / 2.0;
        assert!(((TEMPLATE[0][0] + TEMPLATE[1][0]) / 2.0 - mid).abs() < 1.5);
        assert!((TEMPLATE[2][0] - mid).abs() < 1.5);
        assert!(TEMPLATE[0][1] < TEMPLATE[2][1] && TEMPLATE[2][1] < TEMPLATE[3][1]);
    }
}
